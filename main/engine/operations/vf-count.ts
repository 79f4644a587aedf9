import { findDevice, modeOf } from '../snapshot-query'
import { echoTo } from '../shell'
import { deviceBlastOf } from './blast'
import { deviceState, deviceTracks, missing, onDevice, vfPortCount } from './device'
import { knownExpectation, type OperationModule } from './operation'
import { pfBdf, sysfsDev } from './pci'

/**
 * `vf-count`: `echo N > /sys/bus/pci/devices/<pf>/sriov_numvfs`, with `echo 0` first when VFs
 * exist, because nonzero → other nonzero is -EBUSY (drivers/pci/iov.c `sriov_numvfs_store`,
 * docs/domain.md §1.3). mlx5 probes every VF before the write returns and, in switchdev, adds one
 * `pcivf` port per VF; the mode never changes.
 */
export const vfCount: OperationModule<'vf-count'> = {
  kind: 'vf-count',
  usage: '<device> <n>',
  fromArgs: ([device, count]) => ({ op: 'vf-count', device, count: Number(count) }),
  destructive: () => true,
  readOnly: () => false,
  ...onDevice,
  precondition(request, snapshot) {
    const device = findDevice(snapshot, request.device)
    if (!device) return missing(request.device)
    if (!device.pci) return [`${request.device} is not an SR-IOV PCI function`]
    const total = device.pci.totalvfs
    // drivers/pci/iov.c: value > sriov_totalvfs -> -ERANGE (domain.md §1.3)
    return request.count > total ? [`${request.count} VFs exceed sriov_totalvfs ${total}`] : []
  },
  commands(request, snapshot) {
    const path = sysfsDev(pfBdf(request.device, snapshot), 'sriov_numvfs')
    const current = findDevice(snapshot, request.device)?.pci?.numvfs ?? 0
    // drivers/pci/iov.c sriov_numvfs_store: nonzero -> different nonzero is -EBUSY (domain.md §1.3)
    if (current > 0 && request.count > 0 && current !== request.count) {
      return [echoTo('0', path), echoTo(String(request.count), path)]
    }
    return [echoTo(String(request.count), path)]
  },
  describe: (request) => `${request.device} has ${request.count} VFs (and VF ports in switchdev)`,
  expectation: (request) =>
    knownExpectation(
      vfCount.describe(request),
      'drivers/pci/iov.c sriov_numvfs_store; docs/domain.md §1.3',
      (s) => {
        const d = findDevice(s, request.device)
        if (d?.pci?.numvfs !== request.count || d.pci.vfs.length !== request.count) return false
        return modeOf(d) !== 'switchdev' || vfPortCount(s, request.device) === request.count
      },
      (s) => deviceState(s, request.device),
    ),
  blastRadius: (request, snapshot) =>
    deviceBlastOf(request.device, snapshot, false).filter((i) => i.kind !== 'netdev'),
  dropReason: () => null,
  tracks: (request, baseline) =>
    deviceTracks(baseline, request.device).filter((c) => c.kind === 'numvfs'),
}
