import { useEffect, useState } from 'react'

import type { DrillPlan, PlannedStep } from '../../../contract/drill-plan'
import type { DrillStartRequest } from '../../../contract/drills'
import { usePlanDrill, useStartDrill } from '../../api/mutations'
import { Modal } from '../../ui/dialog'
import { ErrorText } from '../../ui/error-text'

/**
 * The confirmation before a drill starts (issue 21 item 1), like the operations' dialog:
 * `drills:plan` on the host now, the sentence naming host and device, every step of an
 * iteration with its exact commands, the blast radius, the VFs in use, what the restore puts
 * back and how long it should take. A request the engine would refuse says why and cannot
 * start; one that would disturb VFs in use starts only after the device name is typed
 * (`force`).
 */
export function DrillPlanDialog({
  request,
  title,
  onClose,
  onStarted,
}: {
  request: DrillStartRequest
  title: string
  onClose: () => void
  onStarted: (runId: string) => void
}) {
  const plan = usePlanDrill()
  const start = useStartDrill()
  const { mutate: planMutate } = plan
  const [typed, setTyped] = useState('')
  useEffect(() => {
    planMutate(request)
  }, [planMutate, request])
  const p = plan.data
  const blocked = !p || p.problems.length > 0
  const forced = p?.refusal ? typed === p.device : false
  const canStart = !blocked && (!p.refusal || forced) && !start.isPending
  const run = () =>
    start.mutate(
      { ...request, ...(forced ? { force: true } : {}) },
      {
        onSuccess: (r) => {
          onStarted(r.runId)
          onClose()
        },
      },
    )
  return (
    <Modal
      title="Confirm drill"
      onClose={() => !start.isPending && onClose()}
      wide
      tone="danger"
      actions={
        <>
          <button type="button" onClick={onClose} disabled={start.isPending}>
            Cancel
          </button>
          <button type="button" className="danger" disabled={!canStart} onClick={run}>
            {p?.refusal ? 'Run anyway' : 'Start drill'}
          </button>
        </>
      }
    >
      <p className="op-title">
        <strong>{title}</strong> on <span className="mono">{request.hostId}</span>
      </p>
      {plan.isPending && <p className="muted">Planning (dry run)…</p>}
      <ErrorText error={plan.error} prefix="Plan failed" />
      {p && <PlanBody plan={p} typed={typed} setTyped={setTyped} />}
      <ErrorText error={start.error} prefix="Start drill" />
    </Modal>
  )
}

/** The plan and the typed device name that overrides a refusal. */
interface PlanProps {
  plan: DrillPlan
  typed: string
  setTyped: (v: string) => void
}

function PlanBody({ plan, typed, setTyped }: PlanProps) {
  const p = plan.params
  return (
    <div className="plan drill-plan">
      <p className="confirm-sentence" aria-label="Confirmation">
        {plan.confirm}
      </p>
      <p className="small muted" aria-label="Parameters">
        {p.iterations} iteration{p.iterations === 1 ? '' : 's'}, VFs {p.vfs}
        {p.vfsAlt !== undefined ? ` and ${p.vfsAlt}` : ''}, step timeout {p.timeoutMs} ms, settle
        window {p.settleMs ?? '—'} ms{p.stopOnFailure ? ', stops on the first failure' : ''}
      </p>
      {plan.problems.length > 0 && (
        <div role="alert" className="error-text">
          Cannot run: {plan.problems.join('; ')}
        </div>
      )}
      {plan.notApplicable && (
        <p role="status">Not applicable, nothing will run: {plan.notApplicable}</p>
      )}
      {plan.refusal && <InUse plan={plan} typed={typed} setTyped={setTyped} />}
      <Steps title="Steps (iteration 1)" steps={plan.steps} label="Planned steps" />
      {plan.repeatSteps.length > 0 && (
        <Steps
          title="Each later iteration"
          steps={plan.repeatSteps}
          label="Steps of later iterations"
        />
      )}
      <h3>Blast radius</h3>
      {plan.blastRadius.length === 0 ? (
        <p className="muted">Nothing else goes down.</p>
      ) : (
        <ul className="blast" aria-label="Blast radius">
          {plan.blastRadius.map((b, i) => (
            <li key={i}>
              <span className={`blast-kind blast-${b.kind}`}>{b.kind}</span>{' '}
              <span className="mono">{b.name}</span>
              {b.detail && <span className="muted"> — {b.detail}</span>}
            </li>
          ))}
        </ul>
      )}
      {plan.inUse.length > 0 && !plan.refusal && <InUseList plan={plan} />}
      <h3>Restored at the end</h3>
      {plan.restore.length === 0 ? (
        <p className="muted">Nothing to restore.</p>
      ) : (
        <ul aria-label="Restore">
          {plan.restore.map((r) => (
            <li key={r.key}>{r.text}</li>
          ))}
        </ul>
      )}
      {plan.steps.length > 0 && (
        <p aria-label="Estimate">
          Takes about {seconds(plan.estimate.typicalMs)}, at most {seconds(plan.estimate.worstMs)}.{' '}
          <span className="muted small">{plan.estimate.basis}</span>
        </p>
      )}
      {plan.notes.map((n) => (
        <p key={n} className="muted small">
          Note: {n}
        </p>
      ))}
    </div>
  )
}

function InUseList({ plan }: { plan: DrillPlan }) {
  return (
    <>
      <h3>VFs in use</h3>
      <ul aria-label="VFs in use">
        {plan.inUse.map((v) => (
          <li key={v.bdf}>
            <span className="mono">{v.bdf}</span> (VF {v.vf}
            {v.netdev ? `, ${v.netdev}` : ''}): {v.reason}
          </li>
        ))}
      </ul>
    </>
  )
}

/** The refusal, the VFs it protects, and the typed confirmation that overrides it. */
function InUse({ plan, typed, setTyped }: PlanProps) {
  return (
    <div className="in-use" role="group" aria-label="VFs in use">
      <p role="alert" className="error-text refusal">
        {plan.refusal}
      </p>
      <InUseList plan={plan} />
      <label className="field">
        <span>
          To run it anyway, type <span className="mono">{plan.device}</span>
        </span>
        <input
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          aria-label="Device name to run anyway"
          autoComplete="off"
          spellCheck={false}
        />
      </label>
    </div>
  )
}

function Steps({ title, steps, label }: { title: string; steps: PlannedStep[]; label: string }) {
  return (
    <>
      <h3>{title}</h3>
      <ol className="plan-steps" aria-label={label}>
        {steps.map((s, i) => (
          <li key={i}>
            <strong>{s.name}</strong>{' '}
            {s.kind !== 'operation' && <span className="tag">{s.kind}</span>}
            {s.commands.length > 0 && (
              <pre className="mono code" aria-label={`Commands of ${s.name}`}>
                {s.commands.join('\n')}
              </pre>
            )}
            {s.expect && <div className="muted small">Expect: {s.expect}</div>}
          </li>
        ))}
      </ol>
    </>
  )
}

function seconds(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`
}
