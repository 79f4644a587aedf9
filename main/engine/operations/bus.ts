import type { HostSnapshot } from '../../../contract'
import { familyOf, findDevice, modeOf, sriovOf } from '../snapshot-query'

/**
 * Helpers of the driver operations on a bus device (`unbind`, `bind`): a PCI function
 * `pci/<bdf>` or the netdevsim bus device `netdevsim/netdevsimN`, both addressed by the sysfs
 * driver-core files every bus has (drivers/base/bus.c, 6.1). Pure.
 */

/** The bus and the device's name on it: `pci` + BDF, or `netdevsim` + `netdevsimN`. */
export function busName(device: string): { readonly bus: string; readonly name: string } {
  const slash = device.indexOf('/')
  return { bus: device.slice(0, slash), name: device.slice(slash + 1) }
}

/** `/sys/bus/<bus>/devices/<name>`: the device's sysfs directory. */
export function busDir(device: string): string {
  const { bus, name } = busName(device)
  return `/sys/bus/${bus}/devices/${name}`
}

/**
 * What a fresh probe shows, per driver: mlx5 and netdevsim come up in legacy with 0 VFs (mlx5:
 * docs/domain.md §3.4; netdevsim: dev.c `nsim_drv_probe`, 6.1, which starts in legacy, and the bus
 * device's numvfs reads 0 after an unbind). Other drivers: bound is all that is known.
 */
export function freshProbe(
  device: string,
  before: HostSnapshot,
): { readonly text: string; readonly holds: (s: HostSnapshot) => boolean } {
  const family = familyOf(findDevice(before, device), device)
  if (family === 'other') return { text: '', holds: () => true }
  return {
    text: ' in legacy with 0 VFs (a fresh probe)',
    holds: (s) => {
      const d = findDevice(s, device)
      const vfs = sriovOf(d)?.numvfs ?? 0
      return modeOf(d) === 'legacy' && (family === 'mlx5_core' || vfs === 0)
    },
  }
}
