import type { HostSnapshot } from '../../../contract'
import type { DiscoveryPart } from '../../host/discovery-script'
import type { TrackedChange } from '../restore'
import { findDevice, modeOf, sriovOf } from '../snapshot-query'

/** Helpers of the operations that name a devlink device (`request.device`). Pure. */

/**
 * The discovery parts a device's state comes from (main/host snapshot-build.ts): devlink (the
 * instance, its ports, `reload_failed`), the E-Switch mode, the PCI function in sysfs (driver,
 * VF count, VFs) and netdevsim's bus device.
 */
export const DEVICE_PARTS: readonly DiscoveryPart[] = ['devlink', 'eswitch', 'pci', 'nsim']

/**
 * The parts of a device no monitor event vouches for: an E-Switch mode change with no VF ports,
 * a netdevsim VF count in legacy, a driver bound to a VF without netdevs (docs/domain.md §1.2,
 * §6). Read fresh before commands that depend on them.
 */
export const UNEVENTED_DEVICE_PARTS: readonly DiscoveryPart[] = ['eswitch', 'pci', 'nsim']

/** The precondition reason of a device that is not in the snapshot. */
export function missing(handle: string): string[] {
  return [`device ${handle} is not present (unbound or unknown)`]
}

/** Subject and lock of a device operation: the devlink device itself. */
export const onDevice = {
  subject: (request: { readonly device: string }): string => request.device,
  lockSubject: (request: { readonly device: string }): string => request.device,
}

/** Number of `pcivf` devlink ports (VF representors) of a device; -1 when it is absent. */
export function vfPortCount(snapshot: HostSnapshot, handle: string): number {
  return findDevice(snapshot, handle)?.ports.filter((p) => p.flavour === 'pcivf').length ?? -1
}

/**
 * The E-Switch mode and VF count of a device in `baseline`, as tracked changes: operations that
 * tear a PF down (unbind, reset, reload, fatal error) reset them to legacy / 0 (docs/domain.md §3.4).
 */
export function deviceTracks(baseline: HostSnapshot, handle: string): TrackedChange[] {
  const d = findDevice(baseline, handle)
  if (!d) return []
  const out: TrackedChange[] = []
  if (d.eswitch) out.push({ kind: 'mode', device: handle, original: d.eswitch.mode })
  const sriov = sriovOf(d)
  if (sriov) out.push({ kind: 'numvfs', device: handle, original: sriov.numvfs })
  return out
}

/** The device's driver as a tracked change (unbind/bind put it back), when it is listed. */
export function driverTrack(baseline: HostSnapshot, handle: string): TrackedChange[] {
  const d = findDevice(baseline, handle)
  return d ? [{ kind: 'driver', device: handle, original: d.driver }] : []
}

/** The reason a devlink operation cannot run on a device without a devlink instance, if so. */
export function needsDevlink(snapshot: HostSnapshot, handle: string): string[] {
  const d = findDevice(snapshot, handle)
  if (!d) return missing(handle)
  if (d.devlink === false)
    return [`${handle} has no devlink instance (driver ${d.driver ?? 'none'})`]
  return []
}

/**
 * A device's driver, E-Switch mode, VF count and VF ports in words, e.g.
 * `pci/0000:08:00.0: driver mlx5_core, mode legacy, numvfs 0, 0 VFs listed, 0 VF ports`.
 */
export function deviceState(snapshot: HostSnapshot, handle: string): string {
  const d = findDevice(snapshot, handle)
  if (!d) return `${handle} not present`
  const parts = [`driver ${d.driver ?? 'none'}`, `mode ${modeOf(d)}`]
  const sriov = sriovOf(d)
  if (sriov) parts.push(`numvfs ${sriov.numvfs}`)
  if (d.pci) parts.push(`${d.pci.vfs.length} VFs listed`)
  if (d.reloadFailed) parts.push('reload_failed')
  parts.push(`${vfPortCount(snapshot, handle)} VF ports`)
  return `${handle}: ${parts.join(', ')}`
}
