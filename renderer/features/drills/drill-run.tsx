import { useQuery } from '@tanstack/react-query'

import { drillRunOptions } from '../../api/keys'
import { useCancelDrill, useExportReport } from '../../api/mutations'
import { Badge, statusTone } from '../../ui/badge'
import { ErrorText } from '../../ui/error-text'

import { LinkedStep } from './linked-step'
import { FindingList } from './run-findings'
import { StepList } from './run-steps'
import { TimelinePlot } from './timeline-plot'

const formats = [
  { format: 'json', label: 'JSON' },
  { format: 'junit', label: 'JUnit' },
  { format: 'html', label: 'HTML' },
  { format: 'repro', label: 'repro.sh' },
] as const

/**
 * The run view of one drill, which is its report (issue 21 item 6): progress bar, the steps
 * (each opens to its commands, exit codes, output and snapshot diff), a timeline on a log
 * axis, the findings with expected versus seen, cancel, and export once it finished. It reads
 * the journal the exports read (`drills:report`, `drills:step`). `focusStep` (an index into the
 * report's steps) shows the step a highlighted terminal line linked to.
 */
export function DrillRun({ runId, focusStep }: { runId: string; focusStep?: number | undefined }) {
  const run = useQuery(drillRunOptions(runId))
  const cancel = useCancelDrill()
  const r = run.data
  if (!r) {
    return (
      <section className="panel" aria-label="Drill run">
        {run.isPending ? (
          <p className="muted">Loading run {runId}…</p>
        ) : (
          <ErrorText error={run.error} />
        )}
      </section>
    )
  }
  const done = r.steps.filter((s) => s.status !== 'running' && s.iteration === r.iteration).length
  const perIter = Math.max(1, new Set(r.steps.map((s) => s.name)).size)
  const fraction =
    r.status === 'running' ? Math.min(1, (r.iteration - 1 + done / perIter) / r.iterations) : 1
  const pct = Math.round(fraction * 100)
  return (
    <section className="panel drill-run" aria-label="Drill run">
      <header className="row">
        <h3>
          Run <span className="mono">{runId}</span>
        </h3>
        <Badge tone={statusTone(r.status)}>{r.status}</Badge>
        <span className="muted small">
          iteration {r.iteration} / {r.iterations}
        </span>
        <span className="spacer-flex" />
        {r.status === 'running' && (
          <button
            type="button"
            className="danger"
            disabled={cancel.isPending}
            onClick={() => cancel.mutate(runId)}
          >
            Cancel drill
          </button>
        )}
      </header>
      <div
        className="progress"
        role="progressbar"
        aria-label="Drill progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={`${pct}%, iteration ${r.iteration} of ${r.iterations}`}
      >
        <div className="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <ErrorText error={cancel.error} prefix="Cancel" />
      {focusStep !== undefined && (
        <LinkedStep
          index={focusStep}
          steps={r.steps}
          findings={r.findings}
          running={r.status === 'running'}
        />
      )}
      <div className="run-grid">
        <StepList runId={runId} steps={r.steps} />
        <TimelinePlot steps={r.steps} />
      </div>
      <FindingList findings={r.findings} running={r.status === 'running'} />
      {r.status !== 'running' && <ExportRow runId={runId} />}
    </section>
  )
}

function ExportRow({ runId }: { runId: string }) {
  const exporter = useExportReport()
  return (
    <div className="button-row" role="group" aria-label="Export report">
      {formats.map((x) => (
        <button
          key={x.format}
          type="button"
          disabled={exporter.isPending}
          onClick={() => exporter.mutate({ runId, format: x.format })}
        >
          Export {x.label}
        </button>
      ))}
      {exporter.data && <span className="muted small">Saved {exporter.data.fileName}</span>}
      <ErrorText error={exporter.error} prefix="Export" />
    </div>
  )
}
