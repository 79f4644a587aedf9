import { findDevice } from '../snapshot-query'
import { echoTo } from '../shell'
import { deviceBlastOf } from './blast'
import { busDir } from './bus'
import {
  DEVICE_PARTS,
  deviceState,
  deviceTracks,
  driverTrack,
  onDevice,
  UNEVENTED_DEVICE_PARTS,
} from './device'
import { knownExpectation, type OperationModule } from './operation'
import { unboundDevice, withDevice } from './project'

/**
 * `unbind`: `echo <name> > /sys/bus/<bus>/devices/<name>/driver/unbind` for a PCI function or
 * the netdevsim bus device (drivers/base/bus.c `unbind_store`, 6.1). The driver's remove runs
 * before the write returns: an mlx5 PF loses its netdevs, representors, RDMA devices and devlink
 * instance (docs/domain.md §3.4); netdevsim its devlink instance, ports and VFs (§6). What happens
 * to a PCI PF's VFs is the driver's choice: nvme leaves SR-IOV enabled ("driver left SR-IOV
 * enabled after remove", drivers/pci/iov.c), so only "no driver" is expected.
 */
export const unbind: OperationModule<'unbind'> = {
  kind: 'unbind',
  usage: '<device: pci/<bdf> | netdevsim/netdevsimN>',
  fromArgs: ([device]) => ({ op: 'unbind', device }),
  destructive: () => true,
  readOnly: () => false,
  ...onDevice,
  precondition(request, snapshot) {
    const d = findDevice(snapshot, request.device)
    if (!d) return [`${request.device} is not present`]
    return d.driver ? [] : [`${request.device} has no driver to unbind`]
  },
  commands: (request) => [
    echoTo(
      request.device.slice(request.device.indexOf('/') + 1),
      `${busDir(request.device)}/driver/unbind`,
    ),
  ],
  describe: (request) => `${request.device} has no driver`,
  expectation: (request) =>
    knownExpectation(
      unbind.describe(request),
      'drivers/base/bus.c unbind_store (6.1); docs/domain.md §3.4, §6',
      (s) => !findDevice(s, request.device)?.driver,
      (s) => deviceState(s, request.device),
    ),
  reads: DEVICE_PARTS,
  planReads: UNEVENTED_DEVICE_PARTS,
  blastRadius: (request, snapshot) => deviceBlastOf(request.device, snapshot, true),
  dropReason: (request) => `unbind of ${request.device}`,
  tracks: (request, baseline) => [
    ...driverTrack(baseline, request.device),
    ...deviceTracks(baseline, request.device),
  ],
  project: (request, snapshot) => withDevice(snapshot, request.device, unboundDevice),
}
