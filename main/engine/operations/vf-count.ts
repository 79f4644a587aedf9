import type { HostSnapshot } from '../../../contract'
import { familyOf, findDevice, modeOf, sriovOf } from '../snapshot-query'
import { echoTo } from '../shell'
import { deviceBlastOf } from './blast'
import {
  DEVICE_PARTS,
  deviceState,
  deviceTracks,
  missing,
  onDevice,
  UNEVENTED_DEVICE_PARTS,
  vfPortCount,
} from './device'
import { knownExpectation, type OperationModule, type Req } from './operation'
import { inMode, withDevice, withVfs } from './project'

type VfCount = Req<'vf-count'>

/**
 * `vf-count`: `echo N > <sriov dir>/sriov_numvfs` where the kernel keeps SR-IOV for the device: a
 * PCI PF's sysfs (drivers/pci/iov.c `sriov_numvfs_store`) or the netdevsim bus device
 * (drivers/net/netdevsim/bus.c, dev.c `nsim_drv_configure_vfs`, 6.1). Both refuse a nonzero →
 * other nonzero change with EBUSY, so such a change writes 0 first (docs/domain.md §1.3, §6).
 *
 * Outcome per driver:
 * - any PCI PF: `sriov_numvfs` reads N and N VF functions are listed (the PCI core).
 * - mlx5_core: the E-Switch mode is kept; in switchdev one `pcivf` port per VF (§1.3).
 * - netdevsim: in switchdev each VF gets a `pcivf` port; writing 0 in switchdev returns the
 *   E-Switch to legacy, so 4 → 2 in switchdev ends in legacy with 2 VFs (dev.c, 6.1).
 * - other drivers' E-Switch: only the VF count is expected (their mode rules are not known).
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
    const sriov = sriovOf(device)
    if (!sriov) return [`${request.device} has no SR-IOV (no sriov_numvfs)`]
    // Both sysfs files refuse a device without a driver: -ENOENT (iov.c; netdevsim bus.c)
    if (!device.driver) return [`${request.device} has no driver: its VFs cannot be configured`]
    const total = sriov.totalvfs
    const limit = sriov.bus === 'pci' ? 'sriov_totalvfs' : 'max_vfs'
    // iov.c: > sriov_totalvfs is -ERANGE; netdevsim: > max_vfs is -ENOMEM
    return total !== null && request.count > total
      ? [`${request.count} VFs exceed ${limit} ${total} of ${request.device}`]
      : []
  },
  commands(request, snapshot) {
    const sriov = sriovOf(findDevice(snapshot, request.device))
    if (!sriov) return []
    const path = `${sriov.sysfs}/sriov_numvfs`
    return throughZero(sriov.numvfs, request.count)
      ? [echoTo('0', path), echoTo(String(request.count), path)]
      : [echoTo(String(request.count), path)]
  },
  describe: (request) => `${request.device} has ${request.count} VFs (and VF ports in switchdev)`,
  expectation(request, before) {
    const d = findDevice(before, request.device)
    const legacyAfter =
      familyOf(d, request.device) === 'netdevsim' && returnsToLegacy(request, before)
    const text = legacyAfter
      ? `${request.device} has ${request.count} VFs and its E-Switch is back in legacy (netdevsim leaves switchdev when its VFs go through 0)`
      : vfCount.describe(request)
    return knownExpectation(
      text,
      sourceOf(familyOf(d, request.device)),
      (s) => holds(request, s, familyOf(d, request.device), legacyAfter),
      (s) => deviceState(s, request.device),
    )
  },
  reads: DEVICE_PARTS,
  planReads: UNEVENTED_DEVICE_PARTS,
  blastRadius: (request, snapshot) =>
    deviceBlastOf(request.device, snapshot, false).filter((i) => i.kind !== 'netdev'),
  dropReason: () => null,
  tracks(request, baseline) {
    const all = deviceTracks(baseline, request.device)
    const d = findDevice(baseline, request.device)
    const modeToo = familyOf(d, request.device) === 'netdevsim' && modeOf(d) === 'switchdev'
    return all.filter((c) => c.kind === 'numvfs' || (modeToo && c.kind === 'mode'))
  },
  project(request, snapshot) {
    const d = findDevice(snapshot, request.device)
    const legacy = familyOf(d, request.device) === 'netdevsim' && returnsToLegacy(request, snapshot)
    return withDevice(snapshot, request.device, (x) =>
      withVfs(legacy ? inMode(x, 'legacy') : x, request.count),
    )
  },
}

/** Whether the change must pass through 0 (nonzero → other nonzero is EBUSY). */
function throughZero(current: number, count: number): boolean {
  return current > 0 && count > 0 && current !== count
}

/** netdevsim in switchdev: any write of 0 (requested or on the way) ends in legacy. */
function returnsToLegacy(request: VfCount, before: HostSnapshot): boolean {
  const d = findDevice(before, request.device)
  const current = sriovOf(d)?.numvfs ?? 0
  if (modeOf(d) !== 'switchdev') return false
  return (request.count === 0 && current > 0) || throughZero(current, request.count)
}

function sourceOf(family: ReturnType<typeof familyOf>): string {
  if (family === 'netdevsim')
    return 'drivers/net/netdevsim/dev.c nsim_drv_configure_vfs (6.1); docs/domain.md §6'
  if (family === 'mlx5_core') return 'drivers/pci/iov.c sriov_numvfs_store; docs/domain.md §1.3'
  return 'drivers/pci/iov.c sriov_numvfs_store (the VF count only)'
}

function holds(
  request: VfCount,
  s: HostSnapshot,
  family: ReturnType<typeof familyOf>,
  legacyAfter: boolean,
): boolean {
  const d = findDevice(s, request.device)
  if (sriovOf(d)?.numvfs !== request.count) return false
  if (d?.pci && d.pci.vfs.length !== request.count) return false
  if (family === 'other') return true
  if (legacyAfter) return modeOf(d) === 'legacy' && vfPortCount(s, request.device) === 0
  return modeOf(d) !== 'switchdev' || vfPortCount(s, request.device) === request.count
}
