import type { Device, HostSnapshot, Port } from '../../../contract/snapshot'
import { visibleText } from '../../../contract/visible-text'

import { portLabel } from './port-names'

/**
 * One representors-table row per devlink port (vport), joined with its VF and IB representor.
 * `key` is `<devlink handle>/<port index>`, the key SnapshotDiff uses for port entities.
 */
export interface RepRow {
  key: string
  flavour: string
  /** The port by flavour: `uplink p0`, `pf0`, `pf0vf3`, `pf0sf88` (port-names.ts). */
  number: string
  /** Sort key for `number`: pf, vf, sf numbers packed. */
  numberSort: number
  index: number
  /** The netdev name for display: control characters escaped (`\e`, `\xNN`), see visibleText. */
  netdev: string
  physPortName: string
  /** `loaded` when a representor netdev exists, `missing` otherwise. */
  ethRep: 'loaded' | 'missing'
  /** `mlx5_0/2`, or `missing` when mlx5_ib is loaded in switchdev but no IB port exists. */
  ibRep: string
  ibMissing: boolean
  vfBdf: string
  vfDriver: string
  vfNumber: number | null
  link: string
  mac: string
}

/** Whether this port should have an IB representor (switchdev + mlx5_ib loaded), docs/domain.md §3. */
export function expectsIbRep(device: Device, snap: HostSnapshot, port: Port): boolean {
  return (
    snap.host.modules.mlx5_ib &&
    device.eswitch?.mode === 'switchdev' &&
    port.netdev !== null &&
    ['physical', 'pcipf', 'pcivf', 'pcisf'].includes(port.flavour)
  )
}

/** Builds the table rows of one device. Pure; O(ports + vfs). */
export function buildRows(device: Device, snap: HostSnapshot): RepRow[] {
  const vfByNum = new Map((device.pci?.vfs ?? []).map((v) => [v.vf, v]))
  const netdevs = new Map((snap.netdevs ?? []).map((n) => [n.ifname, n]))
  return device.ports.map((p) => {
    const vf = p.vfnum !== undefined ? vfByNum.get(p.vfnum) : undefined
    const nd = p.netdev ? netdevs.get(p.netdev) : undefined
    const ibMissing = !p.ibRep && expectsIbRep(device, snap, p)
    return {
      key: `${device.handle}/${p.index}`,
      flavour: p.flavour,
      number: portLabel(p),
      numberSort: (p.pfnum ?? 0) * 1e7 + (p.vfnum ?? -1) * 1e3 + (p.sfnum ?? 0) + 2e3,
      index: p.index,
      netdev: p.netdev === null ? '' : visibleText(p.netdev),
      physPortName: visibleText(p.physPortName ?? ''),
      ethRep: p.netdev ? 'loaded' : 'missing',
      ibRep: p.ibRep ? `${p.ibRep.device}/${p.ibRep.port}` : ibMissing ? 'missing' : '—',
      ibMissing,
      vfBdf: p.vfBdf ?? vf?.bdf ?? '',
      vfDriver: (p.vfDriver ?? vf?.driver ?? (vf ? 'unbound' : '')) || '',
      vfNumber: p.vfnum ?? null,
      link: p.operstate ?? nd?.operstate ?? (p.functionState ? `fn ${p.functionState}` : ''),
      mac: p.hwAddr ?? nd?.address ?? vf?.mac ?? '',
    }
  })
}

/** Keys of port rows changed by a diff received less than `windowMs` before `now`. */
export function recentlyChanged(
  received: { at: number; diff: { changes: { entity: string; key: string }[] } } | null | undefined,
  now: number,
  windowMs = 2_000,
): Set<string> {
  if (!received || now - received.at > windowMs) return new Set()
  return new Set(
    received.diff.changes.filter((c) => c.entity === 'port' || c.entity === 'vf').map((c) => c.key),
  )
}
