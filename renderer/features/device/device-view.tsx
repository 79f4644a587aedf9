import { useQuery } from '@tanstack/react-query'
import { useEffect, useMemo, useState } from 'react'

import type { Device, HostSnapshot } from '../../../contract/snapshot'
import { lastDiffOptions } from '../../api/keys'

import { DeviceControls } from './device-controls'
import { EswitchPanel } from './eswitch-panel'
import { FatalBanner, HealthPanel } from './health-panel'
import { RepresentorsTable } from './representors-table'
import { buildRows, recentlyChanged } from './rows'
import { Topology } from './topology'

/** Cards → PFs navigation: each PF with its E-Switch mode and VF count. */
export function DeviceNav({
  snap,
  selected,
  onSelect,
}: {
  snap: HostSnapshot
  selected: string | null
  onSelect: (handle: string) => void
}) {
  const cards = snap.cards?.length
    ? snap.cards
    : [
        {
          id: 'devices',
          model: undefined,
          serial: undefined,
          devices: snap.devices.map((d) => d.handle),
        },
      ]
  const byHandle = new Map(snap.devices.map((d) => [d.handle, d]))
  return (
    <nav className="device-nav" aria-label="Devices">
      {cards.map((card) => (
        <section key={card.id} className="card" aria-label={`Card ${card.model ?? card.id}`}>
          <h3 className="card-title">
            {card.model ?? 'Card'}{' '}
            <span className="mono small muted">{card.serial ?? card.id}</span>
          </h3>
          <ul>
            {card.devices.map((h) => {
              const d = byHandle.get(h)
              if (!d) return null
              return (
                <li key={h}>
                  <button
                    type="button"
                    className="pf-item"
                    aria-current={selected === h ? 'true' : undefined}
                    aria-label={`PF ${h}`}
                    onClick={() => onSelect(h)}
                  >
                    <span className="mono">{d.pci?.bdf ?? h}</span>
                    <span className="small">
                      {d.eswitch?.mode ?? 'no eswitch'} · {d.pci?.numvfs ?? 0} VFs
                      {d.uplink ? ` · ${d.uplink}` : ''}
                    </span>
                  </button>
                </li>
              )
            })}
          </ul>
        </section>
      ))}
    </nav>
  )
}

/** Everything about one PF: banner, E-Switch panel, controls, topology, health, representors. */
export function DeviceDetail({
  hostId,
  device,
  snap,
}: {
  hostId: string
  device: Device
  snap: HostSnapshot
}) {
  const rows = useMemo(() => buildRows(device, snap), [device, snap])
  const diff = useQuery(lastDiffOptions(hostId))
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => setNow(Date.now()), [diff.data])
  const changed = useMemo(() => recentlyChanged(diff.data, now), [diff.data, now])
  return (
    <div className="device-detail" aria-label={`PF ${device.handle}`} role="region">
      <header className="device-head">
        <h2 className="mono">{device.handle}</h2>
        <span className="muted small">
          {device.driver ?? 'no driver bound'} ·{' '}
          {device.info?.fwVersion ? `fw ${device.info.fwVersion}` : 'fw ?'}
          {device.pci?.model ? ` · ${device.pci.model}` : ''}
          {device.lag?.active ? ` · LAG ${device.lag.mode ?? ''}` : ''}
        </span>
      </header>
      <FatalBanner device={device} />
      <div className="device-grid">
        <EswitchPanel
          key={`${device.handle}-${device.eswitch?.mode}-${device.pci?.numvfs}`}
          device={device}
          snap={snap}
        />
        <DeviceControls device={device} snap={snap} />
        <HealthPanel device={device} />
      </div>
      <Topology device={device} rows={rows} />
      <RepresentorsTable rows={rows} changed={changed} />
    </div>
  )
}
