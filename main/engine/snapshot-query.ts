import type { Device, HostSnapshot, Port, SriovInfo, VfInfo } from '../../contract'

/** Pure lookups over a `HostSnapshot` shared by planning, invariants and drills. */

/** The device with this devlink handle, or undefined. */
export function findDevice(snapshot: HostSnapshot, handle: string): Device | undefined {
  return snapshot.devices.find((d) => d.handle === handle)
}

/** The BDF of a `pci/<bdf>` handle, or of the device's PCI info; undefined for non-PCI buses. */
export function handleBdf(handle: string, device?: Device): string | undefined {
  if (device?.pci) return device.pci.bdf
  return handle.startsWith('pci/') ? handle.slice(4) : undefined
}

/** A PCI function found in a snapshot: a PF (devlink device) or one VF of a PF. */
export type PciFunction =
  | { readonly kind: 'pf'; readonly device: Device }
  | { readonly kind: 'vf'; readonly device: Device; readonly vf: VfInfo }

/** Resolves a BDF to the PF device or the VF it names; undefined when absent. */
export function findPciFunction(snapshot: HostSnapshot, bdf: string): PciFunction | undefined {
  for (const device of snapshot.devices) {
    if (device.pci?.bdf === bdf || device.handle === `pci/${bdf}`) return { kind: 'pf', device }
    const vf = device.pci?.vfs.find((v) => v.bdf === bdf)
    if (vf) return { kind: 'vf', device, vf }
  }
  return undefined
}

/** Ports that represent a function (VF/SF/PF representors, docs/domain.md §1.5), not the uplink. */
export function functionPorts(device: Device): Port[] {
  return device.ports.filter((p) => p.flavour === 'pcivf' || p.flavour === 'pcisf')
}

/** Ports that carry representor netdevs: uplink (physical) plus function ports. */
export function repPorts(device: Device): Port[] {
  return device.ports.filter(
    (p) => p.flavour === 'physical' || p.flavour === 'pcivf' || p.flavour === 'pcisf',
  )
}

/** The devlink port of VF `vf` (`pcivf` flavour with that vfnum). */
export function vfPort(device: Device, vf: number): Port | undefined {
  return device.ports.find((p) => p.flavour === 'pcivf' && p.vfnum === vf)
}

/** The eswitch mode or `unknown` when devlink gave none. */
export function modeOf(device: Device | undefined): string {
  return device?.eswitch?.mode ?? 'unknown'
}

/** Netdev ifindex by name from `snapshot.netdevs`, when discovery read them. */
export function ifindexOf(snapshot: HostSnapshot, name: string): number | undefined {
  return snapshot.netdevs?.find((n) => n.ifname === name)?.ifindex
}

/** The fw_fatal reporter of a device (device-level, no port), if present. */
export function fwFatal(device: Device | undefined): Device['health'][number] | undefined {
  return device?.health.find((h) => h.reporter === 'fw_fatal' && h.port === undefined)
}

/**
 * Where a device's VFs are configured: `Device.sriov`, or for a snapshot without it (an older
 * journal) the PCI PF's own numbers. Null when the device cannot have VFs.
 */
export function sriovOf(device: Device | undefined): SriovInfo | null {
  if (!device) return null
  if (device.sriov !== undefined) return device.sriov
  if (!device.pci) return null
  const { bdf, numvfs, totalvfs } = device.pci
  return { bus: 'pci', sysfs: `/sys/bus/pci/devices/${bdf}`, numvfs, totalvfs }
}

/** The driver families whose behaviour the engine knows from their source (docs/domain.md §6). */
export type DriverFamily = 'mlx5_core' | 'netdevsim' | 'other'

/**
 * The family of a device's driver: mlx5_core (bound to it, or a Mellanox function while
 * unbound), netdevsim (its bus), or `other` (any other driver, or none on another vendor).
 */
export function familyOf(device: Device | undefined, handle = device?.handle ?? ''): DriverFamily {
  if (handle.startsWith('netdevsim/') || device?.driver === 'netdevsim') return 'netdevsim'
  if (device?.driver === 'mlx5_core') return 'mlx5_core'
  if (!device?.driver && device?.pci?.vendorId === '15b3') return 'mlx5_core'
  return 'other'
}
