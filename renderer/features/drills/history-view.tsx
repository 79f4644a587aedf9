import { useQuery } from '@tanstack/react-query'

import type { DrillRunSummary } from '../../../contract/drills'
import { drillHistoryOptions } from '../../api/keys'
import { Badge, statusTone } from '../../ui/badge'
import { ErrorText } from '../../ui/error-text'

import { trends } from './timeline-data'

/** Past runs from the journal with pass/fail trends per host and drill; opens a run. */
export function HistoryView({
  hostId,
  onOpen,
}: {
  hostId: string | null
  onOpen: (runId: string, hostId: string) => void
}) {
  const history = useQuery(drillHistoryOptions(hostId))
  const runs = history.data ?? []
  return (
    <div className="history">
      <section className="panel" aria-label="Trends">
        <h3>Pass/fail trends</h3>
        <ErrorText error={history.error} prefix="History" />
        {runs.length === 0 && !history.isPending && (
          <p className="muted">No runs in the journal yet.</p>
        )}
        <table className="grid compact" aria-label="Trends">
          <thead>
            <tr>
              <th scope="col">Host</th>
              <th scope="col">Drill</th>
              <th scope="col">Passed</th>
              <th scope="col">Last runs (oldest → newest)</th>
            </tr>
          </thead>
          <tbody>
            {trends(runs).map((t) => (
              <tr key={`${t.hostId}/${t.drill}`}>
                <td className="mono">{t.hostId}</td>
                <td className="mono">{t.drill}</td>
                <td className="num">
                  {t.passed}/{t.total}
                </td>
                <td>
                  <span className="trend" aria-label={t.statuses.join(', ')}>
                    {t.statuses.map((s, i) => (
                      <span key={i} className={`trend-cell tone-${statusTone(s)}`} title={s}>
                        {s === 'passed' ? '✓' : s === 'running' ? '…' : '✗'}
                      </span>
                    ))}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <RunsTable runs={runs} onOpen={onOpen} />
    </div>
  )
}

function RunsTable({
  runs,
  onOpen,
}: {
  runs: DrillRunSummary[]
  onOpen: (runId: string, hostId: string) => void
}) {
  return (
    <section className="panel" aria-label="Run history">
      <h3>Runs</h3>
      <table className="grid compact" aria-label="Run history">
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Host</th>
            <th scope="col">Drill</th>
            <th scope="col">Device</th>
            <th scope="col">Status</th>
            <th scope="col">Steps</th>
            <th scope="col">Findings</th>
            <th scope="col">Report</th>
          </tr>
        </thead>
        <tbody>
          {[...runs]
            .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
            .map((r) => (
              <tr key={r.runId}>
                <td className="mono small">{new Date(r.startedAt).toLocaleString()}</td>
                <td className="mono">{r.hostId}</td>
                <td className="mono">{r.drill}</td>
                <td className="mono small">{r.device}</td>
                <td>
                  <Badge tone={statusTone(r.status)}>{r.status}</Badge>
                </td>
                <td className="num">{r.steps}</td>
                <td className="num">{r.findings}</td>
                <td>
                  <button
                    type="button"
                    className="small-button"
                    aria-label={`Open report ${r.runId}`}
                    onClick={() => onOpen(r.runId, r.hostId)}
                  >
                    Open
                  </button>
                </td>
              </tr>
            ))}
        </tbody>
      </table>
    </section>
  )
}
