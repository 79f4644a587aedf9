import { findDevice } from '../snapshot-query'
import { echoTo } from '../shell'
import { busName, freshProbe } from './bus'
import {
  DEVICE_PARTS,
  deviceState,
  deviceTracks,
  driverTrack,
  onDevice,
  UNEVENTED_DEVICE_PARTS,
} from './device'
import { knownExpectation, type OperationModule } from './operation'
import { probedDevice, withDevice } from './project'

/**
 * `bind`: `echo <name> > /sys/bus/<bus>/drivers/<driver>/bind`, or without a driver
 * `echo <name> > /sys/bus/<bus>/drivers_probe`, which binds whichever driver the kernel matches
 * (drivers/base/bus.c `bind_store`, `drivers_probe_store`, 6.1) — for a PCI function or the
 * netdevsim bus device. mlx5 and netdevsim probe back in legacy with 0 VFs (`freshProbe`).
 */
export const bind: OperationModule<'bind'> = {
  kind: 'bind',
  usage: '<device: pci/<bdf> | netdevsim/netdevsimN> [driver]',
  fromArgs: ([device, driver]) => ({ op: 'bind', device, ...(driver ? { driver } : {}) }),
  destructive: () => false,
  readOnly: () => false,
  ...onDevice,
  precondition(request, snapshot) {
    const driver = findDevice(snapshot, request.device)?.driver
    return driver ? [`${request.device} is already bound to ${driver}`] : []
  },
  commands(request) {
    const { bus, name } = busName(request.device)
    const file = request.driver
      ? `/sys/bus/${bus}/drivers/${request.driver}/bind`
      : `/sys/bus/${bus}/drivers_probe`
    return [echoTo(name, file)]
  },
  describe: (request) =>
    `${request.device} bound to ${request.driver ?? 'the driver the kernel matches'}`,
  expectation(request, before) {
    const probe = freshProbe(request.device, before)
    return knownExpectation(
      `${bind.describe(request)}${probe.text}`,
      'drivers/base/bus.c bind_store, drivers_probe_store (6.1); docs/domain.md §3.4, §6',
      (s) => {
        const driver = findDevice(s, request.device)?.driver
        if (!driver || (request.driver !== undefined && driver !== request.driver)) return false
        return probe.holds(s)
      },
      (s) => deviceState(s, request.device),
    )
  },
  reads: DEVICE_PARTS,
  planReads: UNEVENTED_DEVICE_PARTS,
  blastRadius: () => [],
  dropReason: (request) => `bind of ${request.device}`,
  tracks: (request, baseline) => [
    ...driverTrack(baseline, request.device),
    ...deviceTracks(baseline, request.device),
  ],
  project: (request, snapshot) =>
    withDevice(snapshot, request.device, (d) =>
      probedDevice(d, request.driver ?? 'the driver the kernel matches'),
    ),
}
