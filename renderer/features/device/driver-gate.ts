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

/**
 * Why a devlink operation (reload, health, crdump, E-Switch mode) cannot run on `device`: it has
 * no devlink instance (a PCI SR-IOV PF whose driver registers none, e.g. nvme), or null.
 */
export function needsDevlink(device: Device, what: string): string | null {
  if (device.devlink !== false || device.driver === null) return null
  return `${what} needs a devlink instance; ${device.handle} (driver ${device.driver}) has none`
}

/**
 * Where the device's VFs are configured: `Device.sriov` (a PCI PF or the netdevsim bus device,
 * docs/domain.md §1.3, §6), else the PF's PCI numbers; null when it cannot have VFs.
 */
export function sriovOf(device: Device): { numvfs: number; totalvfs: number | null } | null {
  if (device.sriov) return device.sriov
  return device.pci ? { numvfs: device.pci.numvfs, totalvfs: device.pci.totalvfs } : null
}

/** The bus device of a handle for unbind/bind (`pci/<bdf>`, `netdevsim/netdevsimN`), or null. */
export function busDevice(device: Device): string | null {
  return /^(pci\/[0-9a-f:.]+|netdevsim\/netdevsim\d+)$/.test(device.handle) ? device.handle : null
}
