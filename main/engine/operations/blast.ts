import type { BlastItem, Device, HostSnapshot } from '../../../contract'
import { findDevice, findPciFunction, functionPorts, repPorts } from '../snapshot-query'

/** Blast radius helpers shared by the operation modules. Pure. */

/**
 * Everything a device-wide disruption takes down: the devlink device, its uplink and
 * representor netdevs, its VFs, the RDMA devices on them, and with `otherLinks` the link of the
 * card's other PF (docs/domain.md §1.2, §1.6, §3.4).
 */
export function deviceBlast(
  device: Device,
  snapshot: HostSnapshot,
  otherLinks: boolean,
): BlastItem[] {
  const items: BlastItem[] = [{ kind: 'devlink', name: device.handle }]
  const netdevs = new Set<string>()
  for (const p of repPorts(device)) {
    if (!p.netdev) continue
    netdevs.add(p.netdev)
    const kind = p.flavour === 'physical' ? 'netdev' : 'representor'
    items.push({ kind, name: p.netdev, detail: `${device.handle}/${p.index}` })
  }
  for (const vf of device.pci?.vfs ?? []) {
    items.push({ kind: 'vf', name: vf.bdf, detail: vf.netdev ?? `vf ${vf.vf}` })
    if (vf.netdev) netdevs.add(vf.netdev)
  }
  items.push(...rdmaOn(snapshot, netdevs, device.pci?.bdf))
  if (otherLinks) items.push(...otherPfLinks(device, snapshot))
  return items
}

/** `deviceBlast` of the device `handle`, or nothing when the snapshot does not list it. */
export function deviceBlastOf(
  handle: string,
  snapshot: HostSnapshot,
  otherLinks: boolean,
): BlastItem[] {
  const device = findDevice(snapshot, handle)
  return device ? deviceBlast(device, snapshot, otherLinks) : []
}

/** RDMA devices with a port on one of `netdevs`, or whose parent is the PCI function `bdf`. */
export function rdmaOn(snapshot: HostSnapshot, netdevs: Set<string>, bdf?: string): BlastItem[] {
  const names = new Set<string>()
  for (const l of snapshot.rdma) if (l.netdev && netdevs.has(l.netdev)) names.add(l.device)
  for (const d of snapshot.rdmaDevices ?? []) if (bdf && d.parent === bdf) names.add(d.name)
  return [...names].sort().map((name) => ({ kind: 'rdma' as const, name }))
}

/** The other PF of the same card loses its link for a while on mode flips (docs/domain.md §3.4). */
function otherPfLinks(device: Device, snapshot: HostSnapshot): BlastItem[] {
  if (!device.card) return []
  return snapshot.devices
    .filter((d) => d.card === device.card && d.handle !== device.handle)
    .map((d) => ({
      kind: 'link' as const,
      name: d.uplink ?? d.handle,
      detail: 'other PF of the card',
    }))
}

/**
 * What a function-level disruption of `bdf` takes down: a PF is device-wide (`deviceBlast`); a
 * VF takes only itself, the link state of its representor and the RDMA device on its netdev.
 */
export function functionBlast(bdf: string, snapshot: HostSnapshot): BlastItem[] {
  const fn = findPciFunction(snapshot, bdf)
  if (!fn) return []
  if (fn.kind === 'pf') return deviceBlast(fn.device, snapshot, true)
  const items: BlastItem[] = [{ kind: 'vf', name: bdf, detail: fn.vf.netdev ?? `vf ${fn.vf.vf}` }]
  const netdevs = new Set<string>()
  if (fn.vf.netdev) netdevs.add(fn.vf.netdev)
  const rep = functionPorts(fn.device).find((p) => p.flavour === 'pcivf' && p.vfnum === fn.vf.vf)
  if (rep?.netdev)
    items.push({ kind: 'representor', name: rep.netdev, detail: 'link state follows the VF' })
  items.push(...rdmaOn(snapshot, netdevs))
  return items
}
