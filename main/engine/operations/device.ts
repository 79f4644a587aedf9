import type { HostSnapshot } from '../../../contract'
import type { TrackedChange } from '../restore'
import { findDevice, modeOf } from '../snapshot-query'

/** Helpers of the operations that name a devlink device (`request.device`). Pure. */

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
 * tear a PF down (unbind, reset, reload, fatal error) reset them to legacy / 0 (domain.md §3.4).
 */
export function deviceTracks(baseline: HostSnapshot, handle: string): TrackedChange[] {
  const d = findDevice(baseline, handle)
  if (!d) return []
  const out: TrackedChange[] = []
  if (d.eswitch) out.push({ kind: 'mode', device: handle, original: d.eswitch.mode })
  if (d.pci) out.push({ kind: 'numvfs', device: handle, original: d.pci.numvfs })
  return out
}

/**
 * A device's driver, E-Switch mode, VF count and VF ports in words, e.g.
 * `pci/0000:08:00.0: driver mlx5_core, mode legacy, numvfs 0, 0 VFs listed, 0 VF ports`.
 */
export function deviceState(snapshot: HostSnapshot, handle: string): string {
  const d = findDevice(snapshot, handle)
  if (!d) return `${handle} not present`
  const parts = [`driver ${d.driver ?? 'none'}`, `mode ${modeOf(d)}`]
  if (d.pci) parts.push(`numvfs ${d.pci.numvfs}`, `${d.pci.vfs.length} VFs listed`)
  parts.push(`${vfPortCount(snapshot, handle)} VF ports`)
  return `${handle}: ${parts.join(', ')}`
}
