import { labError } from '../../../contract'
import type { HostSnapshot } from '../../../contract'
import type { TrackedChange } from '../restore'
import { findDevice, findPciFunction, fwFatal, handleBdf } from '../snapshot-query'
import type { PciFunction } from '../snapshot-query'
import { deviceTracks } from './device'

/** Helpers of the PCI-level operations (sysfs paths, function lookups). Pure. */

/** A file of a PCI function in sysfs: `/sys/bus/pci/devices/<bdf>/<file>` (docs/domain.md §2.10). */
export function sysfsDev(bdf: string, file: string): string {
  return `/sys/bus/pci/devices/${bdf}/${file}`
}

/** The BDF of a device's PF; throws `unsupported` when the device is not on the PCI bus. */
export function pfBdf(handle: string, snapshot: HostSnapshot): string {
  const bdf = handleBdf(handle, findDevice(snapshot, handle))
  if (bdf === undefined) throw labError('unsupported', `${handle} is not a PCI device`)
  return bdf
}

/** The driver bound to a PCI function, or null. */
export function functionDriver(fn: PciFunction): string | null {
  return fn.kind === 'pf' ? fn.device.driver : fn.vf.driver
}

/**
 * Subject and lock of a PCI function operation: sentences name the BDF; the lock is the PF's
 * devlink device, or `pci/<bdf>` for a function discovery does not list (an unbound PF).
 */
export const onFunction = {
  subject: (request: { readonly bdf: string }): string => request.bdf,
  lockSubject: (request: { readonly bdf: string }, snapshot: HostSnapshot): string =>
    findPciFunction(snapshot, request.bdf)?.device.handle ?? `pci/${request.bdf}`,
}

/**
 * What binding, unbinding or resetting `bdf` may change: a VF's binding (`binding`), or a PF's
 * binding plus its E-Switch mode and VF count, which a re-probe resets (docs/domain.md §3.4).
 */
export function functionTracks(
  bdf: string,
  baseline: HostSnapshot,
  binding: boolean,
): TrackedChange[] {
  const fn = findPciFunction(baseline, bdf)
  if (!fn) return []
  if (fn.kind === 'vf') {
    const driver = fn.vf.driver
    return binding
      ? [
          {
            kind: 'bound',
            bdf,
            pf: false,
            original: driver !== null,
            ...(driver ? { driver } : {}),
          },
        ]
      : []
  }
  const driver = fn.device.driver
  return [
    { kind: 'bound', bdf, pf: true, original: driver !== null, ...(driver ? { driver } : {}) },
    ...deviceTracks(baseline, fn.device.handle),
  ]
}

/**
 * A PCI function in words: `0000:08:00.2: VF 1 of pci/0000:08:00.0, driver mlx5_core`, or
 * `0000:08:00.0: PF pci/0000:08:00.0, driver mlx5_core, fw_fatal healthy`, or `… not present`.
 */
export function functionState(snapshot: HostSnapshot, bdf: string): string {
  const fn = findPciFunction(snapshot, bdf)
  if (!fn) return `${bdf} not present (or unbound)`
  const driver = `driver ${functionDriver(fn) ?? 'none'}`
  if (fn.kind === 'vf') return `${bdf}: VF ${fn.vf.vf} of ${fn.device.handle}, ${driver}`
  const fatal = fwFatal(fn.device)
  return `${bdf}: PF ${fn.device.handle}, ${driver}${fatal ? `, fw_fatal ${fatal.state}` : ''}`
}
