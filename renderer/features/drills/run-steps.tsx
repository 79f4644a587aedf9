import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'

import type { StepDetail, StepRecord } from '../../../contract/drills'
import type { Change } from '../../../contract/snapshot'
import { drillStepOptions } from '../../api/keys'
import { Badge, statusTone } from '../../ui/badge'
import { ErrorText } from '../../ui/error-text'

import { FindingItem } from './run-findings'

/**
 * The steps of a run, newest first; each opens (issue 21 item 6) to show what the HTML export
 * shows for it, read from the same journal (`drills:step`): every command with its exit code,
 * duration and output, the step's findings (expected versus seen) and the snapshot diff as
 * `old → new`.
 */
export function StepList({ runId, steps }: { runId: string; steps: StepRecord[] }) {
  const recent = steps
    .map((s, index) => ({ s, index }))
    .slice(-60)
    .reverse()
  return (
    <div>
      <h4>Steps</h4>
      <ol className="steps" aria-label="Steps" aria-live="polite">
        {recent.map(({ s, index }) => (
          <StepItem key={`${index}-${s.name}`} runId={runId} step={s} index={index} />
        ))}
      </ol>
    </div>
  )
}

function StepItem({ runId, step, index }: { runId: string; step: StepRecord; index: number }) {
  const [open, setOpen] = useState(false)
  return (
    <li>
      <details onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
        <summary>
          <Badge tone={statusTone(step.status)}>{step.status}</Badge>{' '}
          <span className="mono small">#{step.iteration ?? 1}</span> {step.name}{' '}
          <span className="muted small">{Math.round(step.durationMs)} ms</span>
        </summary>
        {open && (
          <StepDetailView
            runId={runId}
            index={index}
            name={step.name}
            finished={step.status !== 'running'}
          />
        )}
      </details>
    </li>
  )
}

function StepDetailView({
  runId,
  index,
  name,
  finished,
}: {
  runId: string
  index: number
  name: string
  finished: boolean
}) {
  const q = useQuery(drillStepOptions(runId, index, finished))
  return (
    <section className="step-detail" aria-label={`Step ${index + 1}: ${name}`}>
      {q.isPending && <p className="muted small">Loading step…</p>}
      <ErrorText error={q.error} prefix="Step" />
      {q.data && <StepBody d={q.data} />}
    </section>
  )
}

function StepBody({ d }: { d: StepDetail }) {
  return (
    <>
      {d.records.length === 0 ? (
        <p className="muted small">No command (a wait or a check).</p>
      ) : (
        <ul className="commands" aria-label="Commands and exit codes">
          {d.records.map((r, i) => (
            <li key={i}>
              <code className="mono">$ {r.command}</code>{' '}
              <Badge tone={r.code === 0 ? 'ok' : 'bad'}>exit {r.code ?? r.signal ?? '?'}</Badge>{' '}
              <span className="muted small">{Math.round(r.durationMs)} ms</span>
              {(r.stdout || r.stderr) && (
                <pre className="mono code output-viewer" aria-label={`Output of ${r.command}`}>
                  {r.stdout}
                  {r.stderr && <span className="stderr">{r.stderr}</span>}
                </pre>
              )}
            </li>
          ))}
        </ul>
      )}
      {d.findings.length > 0 && (
        <ul className="findings" aria-label="Findings of the step">
          {d.findings.map((f, i) => (
            <FindingItem key={i} f={f} />
          ))}
        </ul>
      )}
      <h5>Snapshot diff</h5>
      {d.diff.length === 0 ? (
        <p className="muted small">No change recorded.</p>
      ) : (
        <ul className="diff mono small" aria-label="Snapshot diff">
          {d.diff.map((c, i) => (
            <li key={i}>{changeText(c)}</li>
          ))}
        </ul>
      )}
    </>
  )
}

/** `changed port pci/0000:08:00.0/1 netdev: "a" → "b"`, `added rdma mlx5_0/1`. */
export function changeText(c: Change): string {
  const field = c.field ? ` ${c.field}` : ''
  const show = (v: unknown): string => (v === undefined ? '—' : JSON.stringify(v))
  const values =
    c.kind === 'changed'
      ? `: ${show(c.before)} → ${show(c.after)}`
      : c.kind === 'added' && c.after !== undefined
        ? `: ${show(c.after)}`
        : ''
  return `${c.kind} ${c.entity} ${c.key}${field}${values}`
}
