import { useQuery } from '@tanstack/react-query'
import { useEffect, useMemo, useState } from 'react'

import type { Device, HostSnapshot } from '../../../contract/snapshot'
import { lastDiffOptions } from '../../api/keys'
import { Badge } from '../../ui/badge'
import { useHostGate, useOperation } from '../ops/op-context'

import { DeviceControls } from './device-controls'
import { driverText } from './driver-gate'
import { EswitchPanel } from './eswitch-panel'
import { FatalBanner, HealthPanel } from './health-panel'
import { RepresentorsTable } from './representors-table'
import { buildRows, recentlyChanged } from './rows'
import { Topology } from './topology'
import './device.css'

export { DeviceNav } from './device-nav'

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
        <span role="status" aria-label="Driver state">
          <Badge tone={device.driver === null ? 'warn' : 'ok'}>{driverText(device)}</Badge>
        </span>
        <span className="muted small">
          {device.info?.fwVersion ? `fw ${device.info.fwVersion}` : 'fw ?'}
          {device.pci?.model ? ` · ${device.pci.model}` : ''}
          {device.lag?.active ? ` · LAG ${device.lag.mode ?? ''}` : ''}
        </span>
      </header>
      <FatalBanner device={device} />
      <div className="device-grid">
        <EswitchPanel
          key={`${device.handle}-${device.eswitch?.mode}-${(device.sriov ?? device.pci)?.numvfs}`}
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

/**
 * The selected device is not in the snapshot (a VF's devlink instance gone, a PF mid-reload,
 * a host that lost it): the view stays on it, says so, and offers Bind for a PCI function.
 */
export function AbsentDevice({ handle, takenAt }: { handle: string; takenAt: string }) {
  const gate = useHostGate()
  const start = useOperation()
  const bdf = /^pci\/([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])$/.exec(handle)?.[1]
  return (
    <div className="device-detail" aria-label={`PF ${handle}`} role="region">
      <header className="device-head">
        <h2 className="mono">{handle}</h2>
        <span role="status" aria-label="Driver state">
          <Badge tone="warn">absent</Badge>
        </span>
      </header>
      <p className="banner banner-warn">
        <span className="mono">{handle}</span> is not in the snapshot taken at{' '}
        {new Date(takenAt).toLocaleTimeString()}: no devlink instance and no PCI function by that
        name. It stays selected; pick another device above to move on.
      </p>
      {bdf && (
        <section className="panel controls" aria-label={`Controls ${handle}`}>
          <h3>Controls</h3>
          <button
            type="button"
            className="primary"
            disabled={gate.blocked !== null}
            title={gate.blocked ?? undefined}
            onClick={() =>
              start({
                hostId: gate.hostId,
                title: `Bind PF ${bdf}`,
                request: { op: 'pci-bind', bdf },
              })
            }
          >
            Bind PF
          </button>
        </section>
      )}
    </div>
  )
}
