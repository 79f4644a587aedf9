import type { Card, Device, HostSnapshot } from '../../../contract/snapshot'

import { vfBdfs } from '../hosts/fleet'

import { modeName, sriovOf } from './driver-gate'

/**
 * Cards with their PFs, then devices on no card (netdevsim). VFs with a devlink instance of
 * their own are left out: they are rows of their PF's representors table.
 */
export function navGroups(snap: HostSnapshot): { card: Card | null; handles: string[] }[] {
  const cards = snap.cards ?? []
  const onCard = new Set(cards.flatMap((c) => c.devices))
  const vfs = vfBdfs(snap)
  const others = snap.devices
    .filter((d) => !onCard.has(d.handle) && !(d.pci && vfs.has(d.pci.bdf)))
    .map((d) => d.handle)
  return [
    ...cards.map((card) => ({ card, handles: card.devices })),
    ...(others.length ? [{ card: null, handles: others }] : []),
  ]
}

/**
 * Cards → PFs navigation as a strip above the detail (the detail keeps the full width): each
 * PF with its E-Switch mode (`none` without one), VF count and uplink. A selected handle the
 * snapshot lacks stays listed as absent, so the selection never jumps elsewhere.
 */
export function DeviceNav({
  snap,
  selected,
  onSelect,
}: {
  snap: HostSnapshot
  selected: string | null
  onSelect: (handle: string) => void
}) {
  const byHandle = new Map(snap.devices.map((d) => [d.handle, d]))
  const groups = navGroups(snap)
  const absent = selected !== null && !byHandle.has(selected)
  return (
    <nav className="device-nav" aria-label="Devices">
      {groups.map(({ card, handles }) => (
        <section
          key={card?.id ?? 'other'}
          className="card"
          aria-label={card ? `Card ${card.model ?? card.id}` : 'Other devices'}
        >
          <h3 className="card-title" title={card?.id}>
            {card ? (card.model ?? 'Card') : 'Other devices'}{' '}
            {card && <span className="mono small muted">{card.serial ?? card.id}</span>}
          </h3>
          <ul>
            {handles.map((h) => {
              const d = byHandle.get(h)
              return d ? (
                <li key={h}>
                  <PfButton device={d} current={selected === h} onSelect={onSelect} />
                </li>
              ) : null
            })}
          </ul>
        </section>
      ))}
      {absent && (
        <section className="card" aria-label="Absent device">
          <h3 className="card-title">Not in the latest snapshot</h3>
          <button
            type="button"
            className="pf-item"
            aria-current="true"
            aria-label={`PF ${selected} (absent)`}
          >
            <span className="mono">{selected}</span>
            <span className="small">absent</span>
          </button>
        </section>
      )}
    </nav>
  )
}

function PfButton({
  device: d,
  current,
  onSelect,
}: {
  device: Device
  current: boolean
  onSelect: (h: string) => void
}) {
  return (
    <button
      type="button"
      className="pf-item"
      aria-current={current ? 'true' : undefined}
      aria-label={`PF ${d.handle}`}
      onClick={() => onSelect(d.handle)}
    >
      <span className="mono">{d.pci?.bdf ?? d.handle}</span>
      <span className="small">
        {d.driver === null ? 'unbound · ' : ''}
        {modeName(d)} · {sriovOf(d)?.numvfs ?? 0} VFs
        {d.uplink ? ` · ${d.uplink}` : ''}
      </span>
    </button>
  )
}
