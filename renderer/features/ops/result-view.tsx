import type { Change, HostSnapshot } from '../../../contract/snapshot'
import type { OperationRequest, OperationResult } from '../../../contract/operations'
import { Badge, statusTone } from '../../ui/badge'
import { namePortKeys } from '../device/port-names'

/** Words for a result status, as a sentence ends. */
const STATUS_TEXT: Record<OperationResult['status'], string> = {
  ok: 'done',
  failed: 'failed',
  timeout: 'timed out',
  aborted: 'cancelled',
}

/** A file name for saved output: `<host>-<subject>-<what>-<time>.txt`, safe on every OS. */
export function outputFileName(hostId: string, request: OperationRequest, at: Date): string {
  const subject =
    'device' in request && request.device
      ? request.device
      : 'bdf' in request
        ? request.bdf
        : request.op
  const what = request.op === 'health' ? `${request.reporter}-${request.action}` : request.op
  const stamp = at
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[:]/g, '')
  return `${hostId}-${subject}-${what}-${stamp}.txt`.replace(/[^A-Za-z0-9_.-]+/g, '_')
}

/** One observed change as `entity key field: old → new`, ports named by flavour. */
export function changeText(c: Change, snap: HostSnapshot | undefined): string {
  const key = namePortKeys(c.key, snap)
  const show = (v: unknown) =>
    v === undefined || v === null ? '∅' : typeof v === 'string' ? v : JSON.stringify(v)
  if (c.kind === 'added') return `${c.entity} ${key}: added`
  if (c.kind === 'removed') return `${c.entity} ${key}: removed`
  return `${c.entity} ${key} ${c.field ?? ''}: ${show(c.before)} → ${show(c.after)}`.replace(
    ' :',
    ':',
  )
}

/** Field changes (old → new) first, then what appeared, then what went away. */
function byKind(a: Change, b: Change): number {
  const rank = { changed: 0, added: 1, removed: 2 } as const
  return rank[a.kind] - rank[b.kind]
}

/** Hands `text` to the browser as a download (Electron asks where to save it). */
export function saveText(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }))
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/**
 * What an operation did, worded as a result: the outcome sentence with timings, each command
 * with its exit code and stderr, the output (diagnose, dump, crdump) with Save, and every
 * observed change as old → new.
 */
export function ResultView({
  title,
  hostId,
  request,
  result,
  snap,
}: {
  title: string
  hostId: string
  request: OperationRequest
  result: OperationResult
  snap: HostSnapshot | undefined
}) {
  const t = result.timings
  const changes = result.diff?.changes ?? []
  return (
    <div className="result">
      <p className="result-sentence" aria-label="Outcome">
        <Badge tone={statusTone(result.status)}>{result.status}</Badge> <strong>{title}</strong> on{' '}
        <span className="mono">{hostId}</span>: {STATUS_TEXT[result.status]}
        {t.returnedMs != null ? `, commands returned in ${Math.round(t.returnedMs)} ms` : ''}
        {t.observedMs != null ? `, effect observed in ${Math.round(t.observedMs)} ms` : ''}.
      </p>
      {result.error && (
        <p role="alert" className="error-text">
          {result.error.code}: {result.error.message}
        </p>
      )}
      <h3>Commands run</h3>
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
          <div className="row">
            <h3>Output</h3>
            <span className="muted small">{result.output.length.toLocaleString()} characters</span>
            <span className="spacer-flex" />
            <button
              type="button"
              className="small-button"
              onClick={() =>
                saveText(outputFileName(hostId, request, new Date()), result.output ?? '')
              }
            >
              Save output
            </button>
          </div>
          <pre className="mono code output-viewer" tabIndex={0}>
            {result.output}
          </pre>
        </section>
      )}
      {changes.length > 0 && (
        <details open>
          <summary>{changes.length} changes observed</summary>
          <ul className="mono small changes" aria-label="Changes observed">
            {[...changes].sort(byKind).map((c, i) => (
              <li key={i}>{changeText(c, snap)}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  )
}
