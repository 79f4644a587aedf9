import { useState } from 'react'

import type { Device, EswitchMode, HostSnapshot } from '../../../contract/snapshot'
import { Badge } from '../../ui/badge'
import { useHostGate, useOperation } from '../ops/op-context'

import { needsDriver, sriovOf } from './driver-gate'

type Inline = 'none' | 'link' | 'network' | 'transport'
type Encap = 'none' | 'basic'

/**
 * The E-Switch panel of one PF: mode with a switch control, inline and encap modes, VF count,
 * and mlx5_ib loaded/unloaded with a control (docs/domain.md §1.1, §1.3, §3).
 */
export function EswitchPanel({ device, snap }: { device: Device; snap: HostSnapshot }) {
  const gate = useHostGate()
  const ib = snap.host.modules.mlx5_ib
  // mlx5_ib gives IB representors to mlx5 devices only (docs/domain.md §1.6).
  const mlx5 = device.driver === 'mlx5_core' || device.pci?.vendorId === '15b3'
  // A bound PF whose driver registers no devlink instance (nvme, most NICs besides mlx5) has no
  // E-Switch at all; an unbound PF keeps its (disabled) mode control until it is bound again.
  const sriovOnly = device.devlink === false && device.driver !== null && !device.eswitch
  return (
    <section className="panel eswitch" aria-label={`E-Switch ${device.handle}`}>
      <h3>{sriovOnly ? 'SR-IOV' : 'E-Switch'}</h3>
      <EswitchFacts device={device} ib={mlx5 ? ib : null} />
      {!sriovOnly && <ModeControl device={device} blocked={gate.blocked} />}
      <VfCountControl device={device} blocked={gate.blocked} />
      {mlx5 && <IbControl ib={ib} blocked={gate.blocked} />}
    </section>
  )
}

function EswitchFacts({ device, ib }: { device: Device; ib: boolean | null }) {
  const mode = device.eswitch?.mode ?? null
  const tone = mode === 'switchdev' ? 'ok' : mode === 'legacy' ? 'idle' : 'warn'
  return (
    <dl className="kv compact">
      <dt>Mode</dt>
      <dd aria-label="E-Switch mode now">
        <Badge
          tone={mode ? tone : 'idle'}
          title={mode ? undefined : 'no E-Switch (no devlink instance)'}
        >
          {mode ?? 'none'}
        </Badge>
      </dd>
      <dt>VFs</dt>
      <dd className="mono" aria-label="VFs enabled">
        {sriovOf(device)?.numvfs ?? 0} / {sriovOf(device)?.totalvfs ?? '?'}
      </dd>
      {device.eswitch && (
        <>
          <dt>Inline</dt>
          <dd className="mono">{device.eswitch.inlineMode ?? '—'}</dd>
          <dt>Encap</dt>
          <dd className="mono">{device.eswitch.encapMode ?? '—'}</dd>
        </>
      )}
      {ib !== null && (
        <>
          <dt>mlx5_ib</dt>
          <dd>
            <Badge tone={ib ? 'ok' : 'warn'}>{ib ? 'loaded' : 'unloaded'}</Badge>
          </dd>
        </>
      )}
    </dl>
  )
}

function ModeControl({ device, blocked }: { device: Device; blocked: string | null }) {
  const gate = useHostGate()
  const start = useOperation()
  const current = device.eswitch?.mode ?? null
  const why =
    blocked ?? needsDriver(device, 'An E-Switch mode change') ?? (current ? null : 'no E-Switch')
  const [mode, setMode] = useState<EswitchMode>(current === 'switchdev' ? 'legacy' : 'switchdev')
  const [inline, setInline] = useState<Inline | ''>('')
  const [encap, setEncap] = useState<Encap | ''>('')
  const run = () =>
    start({
      hostId: gate.hostId,
      title: `Set E-Switch mode ${mode} on ${device.handle}`,
      request: {
        op: 'eswitch-mode',
        device: device.handle,
        mode,
        ...(inline ? { inlineMode: inline } : {}),
        ...(encap ? { encapMode: encap } : {}),
      },
    })
  return (
    <fieldset className="control-row" disabled={why !== null} title={why ?? undefined}>
      <legend>Switch to</legend>
      <div role="radiogroup" aria-label="E-Switch mode" className="segmented">
        {(['legacy', 'switchdev'] as const).map((m) => (
          <label key={m} className={mode === m ? 'on' : ''}>
            <input
              type="radio"
              name={`mode-${device.handle}`}
              value={m}
              checked={mode === m}
              onChange={() => setMode(m)}
            />
            {m}
          </label>
        ))}
      </div>
      <select
        aria-label="Inline mode"
        value={inline}
        onChange={(e) => setInline(e.target.value as Inline | '')}
      >
        <option value="">inline: keep</option>
        {(['none', 'link', 'network', 'transport'] as const).map((v) => (
          <option key={v} value={v}>
            inline {v}
          </option>
        ))}
      </select>
      <select
        aria-label="Encap mode"
        value={encap}
        onChange={(e) => setEncap(e.target.value as Encap | '')}
      >
        <option value="">encap: keep</option>
        <option value="none">encap none</option>
        <option value="basic">encap basic</option>
      </select>
      <button type="button" className="primary" onClick={run}>
        Set E-Switch mode
      </button>
      {why && !blocked && <span className="muted small">{why}</span>}
    </fieldset>
  )
}

function VfCountControl({ device, blocked }: { device: Device; blocked: string | null }) {
  const gate = useHostGate()
  const start = useOperation()
  const sriov = sriovOf(device)
  const total = sriov?.totalvfs ?? null
  const [count, setCount] = useState(String(sriov?.numvfs ?? 0))
  const valid = /^\d+$/.test(count) && (total === null || Number(count) <= total)
  const why =
    blocked ??
    (sriov ? null : 'the device has no SR-IOV (no sriov_numvfs)') ??
    needsDriver(device, 'Changing the VF count')
  return (
    <fieldset className="control-row" disabled={why !== null} title={why ?? undefined}>
      <legend>SR-IOV</legend>
      <label className="inline-field">
        VF count
        <input
          type="number"
          aria-label="VF count"
          min={0}
          max={total ?? undefined}
          value={count}
          onChange={(e) => setCount(e.target.value)}
        />
      </label>
      <span className="muted small">{why && !blocked ? why : `max ${total ?? 'unknown'}`}</span>
      <button
        type="button"
        disabled={!valid}
        onClick={() =>
          start({
            hostId: gate.hostId,
            title: `Set VF count ${count} on ${device.handle}`,
            request: { op: 'vf-count', device: device.handle, count: Number(count) },
          })
        }
      >
        Set VF count
      </button>
    </fieldset>
  )
}

function IbControl({ ib, blocked }: { ib: boolean; blocked: string | null }) {
  const gate = useHostGate()
  const start = useOperation()
  return (
    <fieldset className="control-row" disabled={blocked !== null} title={blocked ?? undefined}>
      <legend>mlx5_ib</legend>
      <button
        type="button"
        onClick={() =>
          start({
            hostId: gate.hostId,
            title: ib ? 'Unload mlx5_ib' : 'Load mlx5_ib',
            request: { op: 'module', module: 'mlx5_ib', action: ib ? 'unload' : 'load' },
          })
        }
      >
        {ib ? 'Unload mlx5_ib' : 'Load mlx5_ib'}
      </button>
      <span className="muted small">reloads every IB representor on the host</span>
    </fieldset>
  )
}
