import type { HostSnapshot } from '../../../contract/snapshot'

/** One line of a host's fleet summary. */
export interface FleetLine {
  kind: 'card' | 'pf' | 'unhealthy'
  text: string
}

/**
 * What the host list shows per connected host (pure): each card's model, each of its PFs with
 * E-Switch mode (`none` unbound) and VF count, then every reporter that is not healthy, naming
 * its PF. Devices on no card (netdevsim) are listed as PFs without a card line.
 */
export function fleetLines(snap: HostSnapshot): FleetLine[] {
  const lines: FleetLine[] = []
  const byHandle = new Map(snap.devices.map((d) => [d.handle, d]))
  const onCard = new Set<string>()
  const pf = (handle: string): void => {
    const d = byHandle.get(handle)
    if (!d) return
    const name = d.pci?.bdf.replace(/^0000:/, '') ?? handle
    const mode = d.eswitch?.mode ?? (d.driver === null ? 'none (unbound)' : 'none')
    lines.push({ kind: 'pf', text: `${name} ${mode} · ${(d.sriov ?? d.pci)?.numvfs ?? 0} VFs` })
  }
  for (const card of snap.cards ?? []) {
    lines.push({ kind: 'card', text: cardModel(card.model) })
    for (const h of card.devices) {
      onCard.add(h)
      pf(h)
    }
  }
  const vfs = vfBdfs(snap)
  for (const d of snap.devices)
    if (!onCard.has(d.handle) && d.pci !== null && !vfs.has(d.pci.bdf)) pf(d.handle)
  for (const d of snap.devices) {
    for (const r of d.health) {
      if (r.state === 'healthy') continue
      const at = d.pci?.bdf.replace(/^0000:/, '') ?? d.handle
      lines.push({ kind: 'unhealthy', text: `${r.reporter} ${r.state} on ${at}` })
    }
  }
  return lines
}

/** `Mellanox Technologies MT2892 Family [ConnectX-6 Dx]` → `ConnectX-6 Dx`. */
export function cardModel(model: string | undefined): string {
  if (!model) return 'card'
  return /\[([^\]]+)\]\s*$/.exec(model)?.[1] ?? model
}

/** BDFs of every VF (a VF bound to mlx5_core has a devlink instance of its own). */
export function vfBdfs(snap: HostSnapshot): Set<string> {
  return new Set(snap.devices.flatMap((d) => (d.pci?.vfs ?? []).map((v) => v.bdf)))
}
