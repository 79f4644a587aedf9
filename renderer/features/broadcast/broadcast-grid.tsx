import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'

import { BROADCAST, type BroadcastHostResult } from '../../../contract/broadcast'
import { LabError } from '../../../contract/errors'
import type { HostView } from '../../../contract/hosts'
import { broadcastResultsOptions, cancelBroadcast, type BroadcastRun } from '../../api/broadcast'
import { describeError } from '../../api/unwrap'
import { Badge, type Tone } from '../../ui/badge'
import { ErrorText } from '../../ui/error-text'
import { byteSize } from '../terminals/log-browser'

const STATUS: Record<BroadcastHostResult['status'], { text: string; tone: Tone }> = {
  running: { text: 'running', tone: 'info' },
  ok: { text: 'ok', tone: 'ok' },
  failed: { text: 'failed', tone: 'bad' },
  'timed-out': { text: 'timed out', tone: 'warn' },
  cancelled: { text: 'cancelled', tone: 'warn' },
  error: { text: 'error', tone: 'bad' },
}

/** `840 ms`, `15.0 s`. */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`
}

/** The note on a cut stream: what was kept of how much. */
export function truncationMarker(stream: 'output' | 'stderr', total: number): string {
  return `${stream} truncated: first ${byteSize(BROADCAST.keepBytes)} of ${byteSize(total)} shown`
}

/** Why a host has no exit code, in one line (the command is shown above the grid). */
function endNote(r: BroadcastHostResult): string | null {
  if (r.status === 'timed-out')
    return `timed out: remote command killed after ${duration(r.durationMs)}`
  if (r.status === 'cancelled')
    return `cancelled: remote command killed after ${duration(r.durationMs)}`
  if (r.error) return describeError(new LabError({ ...r.error, command: undefined }))
  return null
}

function Output({ r }: { r: BroadcastHostResult | undefined }) {
  if (!r) return <span className="muted">waiting…</span>
  const cutOut = r.stdoutBytes > BROADCAST.keepBytes
  const cutErr = r.stderrBytes > BROADCAST.keepBytes
  const note = endNote(r)
  return (
    <>
      {cutOut && <div className="bc-marker">{truncationMarker('output', r.stdoutBytes)}</div>}
      {cutErr && <div className="bc-marker">{truncationMarker('stderr', r.stderrBytes)}</div>}
      <pre className="bc-output">
        {r.stdout}
        {cutOut && (
          <span className="bc-marker">{`[${truncationMarker('output', r.stdoutBytes)}]\n`}</span>
        )}
        {r.stderr && <span className="bc-stderr">{r.stderr}</span>}
        {cutErr && (
          <span className="bc-marker">{`[${truncationMarker('stderr', r.stderrBytes)}]\n`}</span>
        )}
        {note && <span className="bc-error">{note}</span>}
        {!r.stdout && !r.stderr && !note && <span className="muted">(no output)</span>}
      </pre>
    </>
  )
}

/**
 * The per-host grid of one broadcast: status, exit code, duration and output of each host as
 * its result arrives, with Cancel per host and for all hosts still running.
 */
export function BroadcastGrid({ run, hosts }: { run: BroadcastRun; hosts: HostView[] }) {
  const results = useQuery(broadcastResultsOptions(run.broadcastId)).data ?? {}
  const [error, setError] = useState<unknown>(null)
  const name = (id: string) => hosts.find((h) => h.config.id === id)?.config.name ?? id
  const running = run.hostIds.filter((h) => (results[h]?.status ?? 'running') === 'running')
  const cancel = (hostId?: string) =>
    cancelBroadcast(run.broadcastId, hostId).then(() => setError(null), setError)
  return (
    <section className="bc-run" aria-label="Broadcast run">
      <header className="row">
        <h3>Results</h3>
        <span className="small muted">
          {run.hostIds.length - running.length} of {run.hostIds.length} finished · sent{' '}
          {new Date(run.at).toLocaleTimeString()} · timeout {run.timeoutMs / 1000} s per host
        </span>
        <span className="spacer-flex" />
        <button
          type="button"
          className="small-button"
          disabled={running.length === 0}
          onClick={() => void cancel()}
        >
          Cancel all
        </button>
      </header>
      <pre className="bc-sent mono" aria-label="Command sent">
        $ {run.command}
      </pre>
      <ErrorText error={error} prefix="Cancel" />
      <table className="bc-grid" aria-label="Broadcast results">
        <thead>
          <tr>
            <th scope="col">Host</th>
            <th scope="col">Status</th>
            <th scope="col">Exit code</th>
            <th scope="col">Duration</th>
            <th scope="col">Output</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {run.hostIds.map((id) => (
            <ResultRow
              key={id}
              name={name(id)}
              result={results[id]}
              onCancel={() => void cancel(id)}
            />
          ))}
        </tbody>
      </table>
    </section>
  )
}

function ResultRow({
  name,
  result: r,
  onCancel,
}: {
  name: string
  result: BroadcastHostResult | undefined
  onCancel: () => void
}) {
  const status = STATUS[r?.status ?? 'running']
  const done = r !== undefined && r.status !== 'running'
  return (
    <tr aria-label={`${name} ${status.text}`} className={`bc-${status.tone}`}>
      <td aria-label="Host" className="mono">
        {name}
      </td>
      <td aria-label="Status">
        <Badge tone={status.tone}>{status.text}</Badge>
      </td>
      <td aria-label="Exit code" className="num">
        {r?.code != null ? String(r.code) : r?.signal ? `signal ${r.signal}` : '—'}
      </td>
      <td aria-label="Duration" className="num">
        {done ? duration(r.durationMs) : '…'}
      </td>
      <td aria-label="Output">
        <Output r={done ? r : undefined} />
      </td>
      <td>
        {!done && (
          <button
            type="button"
            className="small-button"
            aria-label={`Cancel on ${name}`}
            onClick={onCancel}
          >
            Cancel
          </button>
        )}
      </td>
    </tr>
  )
}
