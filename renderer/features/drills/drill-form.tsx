import { useState, type FormEvent } from 'react'

import { DrillParams, type DrillInfo } from '../../../contract/drills'
import { useStartDrill } from '../../api/mutations'
import { ErrorText } from '../../ui/error-text'
import { useHostGate } from '../ops/op-context'

/** The form's raw fields (strings as typed). */
export interface DrillFields {
  iterations: string
  timeoutMs: string
  vfs: string
  vfsAlt: string
  stopOnFailure: boolean
}

/** Validates form fields with the contract's `DrillParams`; the issues as one line on failure. */
export function parseDrillParams(f: DrillFields): { params: DrillParams } | { error: string } {
  const parsed = DrillParams.safeParse({
    iterations: Number(f.iterations),
    timeoutMs: Number(f.timeoutMs),
    vfs: Number(f.vfs),
    stopOnFailure: f.stopOnFailure,
    ...(f.vfsAlt ? { vfsAlt: Number(f.vfsAlt) } : {}),
  })
  if (parsed.success) return { params: parsed.data }
  return { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }
}

/** Parameter form of one drill; calls `onStarted(runId)` when `drills:start` answers. */
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
  const start = useStartDrill()
  const [device, setDevice] = useState(devices[0] ?? '')
  const [f, setF] = useState<DrillFields>({
    iterations: '3',
    timeoutMs: '30000',
    vfs: '2',
    vfsAlt: '',
    stopOnFailure: false,
  })
  const [error, setError] = useState<string | null>(null)

  function submit(e: FormEvent) {
    e.preventDefault()
    const parsed = parseDrillParams(f)
    if ('error' in parsed) return setError(parsed.error)
    setError(null)
    start.mutate(
      { hostId: gate.hostId, kind: drill.kind, device, params: parsed.params },
      { onSuccess: (r) => onStarted(r.runId) },
    )
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
          disabled={gate.blocked !== null || !device || start.isPending}
          title={gate.blocked ?? undefined}
        >
          Start drill
        </button>
        {gate.blocked && <span className="muted small">{gate.blocked}</span>}
      </div>
      {error && (
        <p role="alert" className="error-text">
          {error}
        </p>
      )}
      <ErrorText error={start.error} prefix="Start drill" />
    </form>
  )
}

function ParamFields({ f, setF }: { f: DrillFields; setF: (f: DrillFields) => void }) {
  const num = (k: 'iterations' | 'timeoutMs' | 'vfs' | 'vfsAlt', label: string, max: number) => (
    <label className="field">
      <span>{label}</span>
      <input
        type="number"
        min={0}
        max={max}
        value={f[k]}
        onChange={(e) => setF({ ...f, [k]: e.target.value })}
      />
    </label>
  )
  return (
    <>
      {num('iterations', 'Iterations', 10000)}
      {num('timeoutMs', 'Step timeout (ms)', 3_600_000)}
      {num('vfs', 'VFs', 127)}
      {num('vfsAlt', 'Alternate VFs', 127)}
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
