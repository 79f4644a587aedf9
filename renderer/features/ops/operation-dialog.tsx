import { useQuery } from '@tanstack/react-query'
import { useEffect } from 'react'

import { isReadOnlyOperation } from '../../../contract/op-access'
import type { BlastItem, OperationPlan } from '../../../contract/operations'
import type { HostSnapshot } from '../../../contract/snapshot'
import { opProgressOptions, snapshotOptions } from '../../api/keys'
import { useCancelOperation, usePlanOperation, useRunOperation } from '../../api/mutations'
import { Modal } from '../../ui/dialog'
import { ErrorText } from '../../ui/error-text'
import { namePortKeys } from '../device/port-names'

import type { OperationAsk } from './op-context'
import { ResultView } from './result-view'

/**
 * The dialog every control goes through: `ops:plan` (dry run: exact commands, blast radius,
 * precondition), a confirmation naming host and device, `ops:run` with `confirmed: true`,
 * live `ops:progress` with cancel, then the result, worded as a result (result-view.tsx).
 * Read-only actions (diagnose, dump, crdump) get a plain dialog that says they change nothing;
 * destructive ones the red one.
 */
export function OperationDialog({ ask, onClose }: { ask: OperationAsk; onClose: () => void }) {
  const plan = usePlanOperation()
  const run = useRunOperation()
  const snap = useQuery(snapshotOptions(ask.hostId, false))
  const { mutate: planMutate } = plan
  useEffect(() => {
    planMutate({ hostId: ask.hostId, request: ask.request })
  }, [planMutate, ask])

  const readOnly = isReadOnlyOperation(ask.request)
  const danger = !readOnly && plan.data?.destructive === true
  const running = run.isPending
  const done = run.data !== undefined || run.isError
  const closeUnlessRunning = () => {
    if (!running) onClose()
  }
  return (
    <Modal
      title={done ? 'Operation result' : 'Confirm operation'}
      onClose={closeUnlessRunning}
      wide
      tone={danger && !done ? 'danger' : 'normal'}
      actions={
        done ? (
          <button type="button" onClick={onClose} autoFocus>
            Close
          </button>
        ) : running ? (
          <CancelRunning hostId={ask.hostId} />
        ) : (
          <>
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button
              type="button"
              className={danger ? 'danger' : 'primary'}
              disabled={!plan.data || !plan.data.precondition.ok}
              onClick={() => run.mutate({ hostId: ask.hostId, request: ask.request })}
            >
              Run {ask.title}
            </button>
          </>
        )
      }
    >
      {!done && (
        <>
          <p className="op-title">
            <strong>{ask.title}</strong> on <span className="mono">{ask.hostId}</span>
          </p>
          {plan.isPending && <p className="muted">Planning (dry run)…</p>}
          <ErrorText error={plan.error} prefix="Dry run failed" />
          {plan.data && (
            <PlanView plan={plan.data} ask={ask} readOnly={readOnly} snap={snap.data} />
          )}
          {running && <Progress hostId={ask.hostId} />}
        </>
      )}
      <ErrorText error={run.error} prefix={`${ask.title} failed`} />
      {run.data && (
        <ResultView
          title={ask.title}
          hostId={ask.hostId}
          request={ask.request}
          result={run.data}
          snap={snap.data}
        />
      )}
    </Modal>
  )
}

function PlanView({
  plan,
  ask,
  readOnly,
  snap,
}: {
  plan: OperationPlan
  ask: OperationAsk
  readOnly: boolean
  snap: HostSnapshot | undefined
}) {
  const n = plan.blastRadius.length
  return (
    <div className="plan">
      <p
        className={readOnly ? 'confirm-sentence read-only-sentence' : 'confirm-sentence'}
        aria-label="Confirmation"
      >
        {readOnly
          ? `Read-only: ${ask.title} reads ${ask.hostId} (${plan.target}) and changes nothing.`
          : `${ask.title} on ${ask.hostId} (${plan.target})? It ${plan.destructive ? 'disturbs' : 'touches'} ${n} other item${n === 1 ? '' : 's'}${n ? ', listed below' : ''}.`}
      </p>
      {!plan.precondition.ok && (
        <div role="alert" className="error-text">
          Precondition not met: {plan.precondition.reasons.join('; ')}
        </div>
      )}
      <h3>Commands (dry run)</h3>
      <pre className="mono code" aria-label="Commands">
        {plan.commands.join('\n')}
      </pre>
      {!readOnly && (
        <>
          <h3>Blast radius</h3>
          {n === 0 ? (
            <p className="muted">Nothing else goes down.</p>
          ) : (
            <ul className="blast" aria-label="Blast radius">
              {plan.blastRadius.map((b, i) => (
                <BlastRow key={i} item={b} snap={snap} />
              ))}
            </ul>
          )}
        </>
      )}
      <p className="muted">Expect: {plan.expect}</p>
    </div>
  )
}

function BlastRow({ item, snap }: { item: BlastItem; snap: HostSnapshot | undefined }) {
  return (
    <li>
      <span className={`blast-kind blast-${item.kind}`}>{item.kind}</span>{' '}
      <span className="mono">{item.name}</span>
      {item.detail && <span className="muted"> — {namePortKeys(item.detail, snap)}</span>}
    </li>
  )
}

function Progress({ hostId }: { hostId: string }) {
  const progress = useQuery(opProgressOptions(hostId))
  const p = progress.data
  return (
    <div className="op-progress" role="status" aria-label="Operation progress">
      <span className="spinner" aria-hidden="true" />
      {p ? `${p.phase}: ${p.message} (${(p.elapsedMs / 1000).toFixed(1)} s)` : 'Starting…'}
    </div>
  )
}

function CancelRunning({ hostId }: { hostId: string }) {
  const progress = useQuery(opProgressOptions(hostId))
  const cancel = useCancelOperation()
  const opId = progress.data?.opId
  return (
    <button
      type="button"
      disabled={!opId || cancel.isPending}
      onClick={() => opId && cancel.mutate(opId)}
    >
      Cancel operation
    </button>
  )
}
