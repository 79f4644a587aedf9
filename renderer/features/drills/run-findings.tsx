import type { Finding } from '../../../contract/drills'
import { Badge } from '../../ui/badge'

/**
 * Findings of a run, as the export lists them: severity, invariant, message, where, what the
 * check expected versus what it saw (when it knows), and the raw evidence behind a disclosure.
 */
export function FindingList({ findings, running }: { findings: Finding[]; running: boolean }) {
  return (
    <>
      <h4>Findings ({findings.length})</h4>
      {findings.length === 0 ? (
        <p className="muted small">No invariant broken{running ? ' so far' : ''}.</p>
      ) : (
        <ul className="findings" aria-label="Findings">
          {findings.map((f, i) => (
            <FindingItem key={i} f={f} />
          ))}
        </ul>
      )}
    </>
  )
}

/** One finding (see `FindingList`). */
export function FindingItem({ f }: { f: Finding }) {
  return (
    <li className={`finding finding-${f.severity}`}>
      <Badge tone={f.severity === 'info' ? 'info' : f.severity === 'warning' ? 'warn' : 'bad'}>
        {f.severity}
      </Badge>{' '}
      <strong>{f.invariant}</strong>: {f.message}{' '}
      <span className="muted small">
        (step {f.step}
        {f.iteration !== undefined ? `, iteration ${f.iteration}` : ''})
      </span>
      {(f.expected !== undefined || f.seen !== undefined) && (
        <dl className="expected-seen" aria-label="Expected versus seen">
          <dt>Expected</dt>
          <dd>{f.expected ?? '—'}</dd>
          <dt>Seen</dt>
          <dd>{f.seen ?? '—'}</dd>
        </dl>
      )}
      {f.evidence && (
        <details>
          <summary>Evidence</summary>
          <pre className="mono code">{f.evidence}</pre>
        </details>
      )}
    </li>
  )
}
