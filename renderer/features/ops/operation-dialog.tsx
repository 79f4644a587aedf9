import { useQuery } from '@tanstack/react-query'
import { useEffect } from 'react'

import type { BlastItem, OperationPlan, OperationResult } from '../../../contract/operations'
import { opProgressOptions } from '../../api/keys'
import { useCancelOperation, usePlanOperation, useRunOperation } from '../../api/mutations'
import { Badge, statusTone } from '../../ui/badge'
import { Modal } from '../../ui/dialog'
import { ErrorText } from '../../ui/error-text'

import type { OperationAsk } from './op-context'

/**
 * The dialog every control goes through: `ops:plan` (dry run: exact commands, blast radius,
 * precondition), a confirmation naming host and device, `ops:run` with `confirmed: true`,
 * live `ops:progress` with cancel, then the result with each command's exit code and output.
 */
export function OperationDialog({ ask, onClose }: { ask: OperationAsk; onClose: () => void }) {
  const plan = usePlanOperation()
  const run = useRunOperation()
  const { mutate: planMutate } = plan
  useEffect(() => {
    planMutate({ hostId: ask.hostId, request: ask.request })
  }, [planMutate, ask])

  const running = run.isPending
  const title = run.data || run.isError ? 'Operation result' : 'Confirm operation'
  const closeUnlessRunning = () => {
    if (!running) onClose()
  }
  return (
    <Modal
      title={title}
      onClose={closeUnlessRunning}
      wide
      tone={plan.data?.destructive ? 'danger' : 'normal'}
      actions={
        run.data || run.isError ? (
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
              className={plan.data?.destructive ? 'danger' : 'primary'}
              disabled={!plan.data || !plan.data.precondition.ok}
              onClick={() => run.mutate({ hostId: ask.hostId, request: ask.request })}
            >
              Run {ask.title}
            </button>
          </>
        )
      }
    >
      <p className="op-title">
        <strong>{ask.title}</strong> on <span className="mono">{ask.hostId}</span>
      </p>
      {plan.isPending && <p className="muted">Planning (dry run)…</p>}
      <ErrorText error={plan.error} prefix="Dry run failed" />
      {plan.data && <PlanView plan={plan.data} />}
      {running && <Progress hostId={ask.hostId} />}
      <ErrorText error={run.error} prefix="Operation failed" />
      {run.data && <ResultView result={run.data} />}
    </Modal>
  )
}

function PlanView({ plan }: { plan: OperationPlan }) {
  return (
    <div className="plan">
      <p className="confirm-sentence" aria-label="Confirmation">
        {plan.confirm}
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
      <h3>Blast radius</h3>
      {plan.blastRadius.length === 0 ? (
        <p className="muted">Nothing else goes down.</p>
      ) : (
        <ul className="blast" aria-label="Blast radius">
          {plan.blastRadius.map((b, i) => (
            <BlastRow key={i} item={b} />
          ))}
        </ul>
      )}
      <p className="muted">Expect: {plan.expect}</p>
    </div>
  )
}

function BlastRow({ item }: { item: BlastItem }) {
  return (
    <li>
      <span className={`blast-kind blast-${item.kind}`}>{item.kind}</span>{' '}
      <span className="mono">{item.name}</span>
      {item.detail && <span className="muted"> — {item.detail}</span>}
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

function ResultView({ result }: { result: OperationResult }) {
  return (
    <div className="result">
      <p>
        <Badge tone={statusTone(result.status)}>{result.status}</Badge>{' '}
        {result.timings.observedMs != null && (
          <span className="muted">
            returned in {result.timings.returnedMs ?? '?'} ms, observed in{' '}
            {result.timings.observedMs} ms
          </span>
        )}
      </p>
      {result.error && (
        <p role="alert" className="error-text">
          {result.error.code}: {result.error.message}
        </p>
      )}
      <ul className="commands" aria-label="Commands run">
        {result.commands.map((c, i) => (
          <li key={i}>
            <span className="mono">$ {c.command}</span>{' '}
            <Badge tone={c.code === 0 ? 'ok' : 'bad'}>exit {c.code ?? c.signal ?? '?'}</Badge>{' '}
            <span className="muted">{Math.round(c.durationMs)} ms</span>
            {c.stderr && <pre className="mono code stderr">{c.stderr}</pre>}
          </li>
        ))}
      </ul>
      {result.output && (
        <section aria-label="Operation output">
          <h3>Output</h3>
          <pre className="mono code output-viewer" tabIndex={0}>
            {result.output}
          </pre>
        </section>
      )}
      {result.diff && result.diff.changes.length > 0 && (
        <details>
          <summary>{result.diff.changes.length} changes observed</summary>
          <ul className="mono small">
            {result.diff.changes.map((c, i) => (
              <li key={i}>
                {c.kind} {c.entity} {c.key}
                {c.field ? `.${c.field}` : ''}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  )
}
