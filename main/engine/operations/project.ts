import type { Device, HostSnapshot } from '../../../contract'
import { familyOf, findDevice } from '../snapshot-query'

/**
 * Helpers of the operation modules' `project`: the host as it will look once an operation's
 * expectation holds, for drill plans (drill-plan.ts). A projection changes only what the
 * expectation states (mode, VF count, driver, module); it never invents what the kernel will
 * name later (the BDFs and netdevs of VFs not created yet). Pure.
 */

/** `snapshot` with device `handle` replaced by `change(device)`; unchanged when absent. */
export function withDevice(
  snapshot: HostSnapshot,
  handle: string,
  change: (device: Device) => Device,
): HostSnapshot {
  if (!findDevice(snapshot, handle)) return snapshot
  return {
    ...snapshot,
    devices: snapshot.devices.map((d) => (d.handle === handle ? change(d) : d)),
  }
}

/** The device in E-Switch `mode` (unchanged when it has no E-Switch). */
export function inMode(device: Device, mode: NonNullable<Device['eswitch']>['mode']): Device {
  return device.eswitch ? { ...device, eswitch: { ...device.eswitch, mode } } : device
}

/**
 * The device with `count` VFs: `sriov_numvfs` reads `count`; of the PCI VFs listed, the first
 * `count` stay (more cannot be named before the kernel creates them).
 */
export function withVfs(device: Device, count: number): Device {
  return {
    ...device,
    ...(device.sriov ? { sriov: { ...device.sriov, numvfs: count } } : {}),
    pci: device.pci
      ? { ...device.pci, numvfs: count, vfs: device.pci.vfs.slice(0, count) }
      : device.pci,
  }
}

/** The device without a driver: no devlink instance, E-Switch, ports or VFs. */
export function unboundDevice(device: Device): Device {
  return withVfs({ ...device, driver: null, devlink: false, eswitch: null, ports: [] }, 0)
}

/**
 * The device bound to `driver`, as a fresh probe leaves it: mlx5 and netdevsim in legacy with 0
 * VFs (docs/domain.md §3.4, §6; see bus.ts `freshProbe`); any other driver as it was.
 */
export function probedDevice(device: Device, driver: string): Device {
  const bound: Device = { ...device, driver, devlink: true }
  const family = familyOf(bound, device.handle)
  if (family === 'other') return bound
  const legacy = bound.eswitch
    ? inMode(bound, 'legacy')
    : { ...bound, eswitch: { mode: 'legacy' as const } }
  return withVfs(legacy, 0)
}
