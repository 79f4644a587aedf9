import type { Device } from '../../../contract/snapshot'

/**
 * What a PF with no driver bound can and cannot do. Unbound, the PCI function has no devlink
 * instance, so there is nothing to reload, no crdump source and no E-Switch; the kernel refuses
 * `sriov_numvfs` writes with ENOENT when no driver is bound (drivers/pci/iov.c
 * `sriov_numvfs_store`, docs/domain.md §1.3). Only Bind applies.
 */

/** Why a driver-dependent control is disabled on `device`, or null when it may run. */
export function needsDriver(device: Device, what: string): string | null {
  return device.driver === null ? `${what} needs a bound driver: bind the PF first` : null
}

/** The E-Switch mode as the kernel reports it, `none` when there is no E-Switch. */
export function modeName(device: Device): string {
  return device.eswitch?.mode ?? 'none'
}

/** One line about the PF's driver for the detail header's status. */
export function driverText(device: Device): string {
  return device.driver === null ? 'no driver bound (unbound)' : `driver ${device.driver}`
}
