import { useState, type FormEvent } from 'react'

import { DrillParams, type DrillInfo, type DrillStartRequest } from '../../../contract/drills'
import { useHostGate } from '../ops/op-context'

import { DrillPlanDialog } from './drill-plan-dialog'

/** The form's raw fields (strings as typed; an empty VFs field means "the current count"). */
export interface DrillFields {
  iterations: string
  timeoutMs: string
  settleMs: string
  vfs: string
  vfsAlt: string
  stopOnFailure: boolean
}

/** Validates form fields with the contract's `DrillParams`; the issues as one line on failure. */
export function parseDrillParams(f: DrillFields): { params: DrillParams } | { error: string } {
  const opt = (v: string) => (v.trim() === '' ? undefined : Number(v))
  const parsed = DrillParams.safeParse({
    iterations: Number(f.iterations),
    timeoutMs: Number(f.timeoutMs),
    stopOnFailure: f.stopOnFailure,
    vfs: opt(f.vfs),
    vfsAlt: opt(f.vfsAlt),
    settleMs: opt(f.settleMs),
  })
  if (parsed.success) return { params: parsed.data }
  return { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }
}

/**
 * Parameter form of one drill. "Start drill" opens the plan dialog (drill-plan-dialog.tsx); the
 * drill starts from there, and `onStarted(runId)` follows.
 */
export function DrillForm({
  drill,
  devices,
  onStarted,
}: {
  drill: DrillInfo
  devices: string[]
  onStarted: (runId: string) => void
}) {
  const gate = useHostGate()
  const [device, setDevice] = useState(devices[0] ?? '')
  const [f, setF] = useState<DrillFields>({
    iterations: '3',
    timeoutMs: '30000',
    settleMs: '',
    vfs: '',
    vfsAlt: '',
    stopOnFailure: true,
  })
  const [error, setError] = useState<string | null>(null)
  const [asked, setAsked] = useState<DrillStartRequest | null>(null)

  function submit(e: FormEvent) {
    e.preventDefault()
    const parsed = parseDrillParams(f)
    if ('error' in parsed) return setError(parsed.error)
    setError(null)
    setAsked({ hostId: gate.hostId, kind: drill.kind, device, params: parsed.params })
  }
  return (
    <form
      className="form-grid drill-form"
      aria-label={`Parameters of ${drill.title}`}
      onSubmit={submit}
    >
      <label className="field">
        <span>Device</span>
        <select value={device} onChange={(e) => setDevice(e.target.value)}>
          {devices.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
      </label>
      <ParamFields f={f} setF={setF} />
      <div className="form-actions">
        <button
          type="submit"
          className="primary"
          disabled={gate.blocked !== null || !device || asked !== null}
          title={gate.blocked ?? undefined}
        >
          Start drill…
        </button>
        {gate.blocked && <span className="muted small">{gate.blocked}</span>}
      </div>
      {error && (
        <p role="alert" className="error-text">
          {error}
        </p>
      )}
      {asked && (
        <DrillPlanDialog
          request={asked}
          title={drill.title}
          onClose={() => setAsked(null)}
          onStarted={onStarted}
        />
      )}
    </form>
  )
}

function ParamFields({ f, setF }: { f: DrillFields; setF: (f: DrillFields) => void }) {
  const num = (
    k: 'iterations' | 'timeoutMs' | 'settleMs' | 'vfs' | 'vfsAlt',
    label: string,
    max: number,
    placeholder?: string,
  ) => (
    <label className="field">
      <span>{label}</span>
      <input
        type="number"
        min={0}
        max={max}
        value={f[k]}
        placeholder={placeholder}
        onChange={(e) => setF({ ...f, [k]: e.target.value })}
      />
    </label>
  )
  return (
    <>
      {num('iterations', 'Iterations', 10000)}
      {num('timeoutMs', 'Step timeout (ms)', 3_600_000)}
      {num('settleMs', 'Settle window (ms)', 600_000, '3000')}
      {num('vfs', 'VFs', 1024, 'current count')}
      {num('vfsAlt', 'Alternate VFs', 1024)}
      <label className="checkbox">
        <input
          type="checkbox"
          checked={f.stopOnFailure}
          onChange={(e) => setF({ ...f, stopOnFailure: e.target.checked })}
        />
        Stop on first failure
      </label>
    </>
  )
}
