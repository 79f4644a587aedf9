import type { Finding, StepRecord } from '../../../contract/drills'
import { Badge, statusTone } from '../../ui/badge'

/**
 * The step a highlighted terminal line linked to (`index` into the report's steps, as main
 * counts them: main/service/engine-bridge.ts). A step that has not ended yet is named as the one
 * running after the last finished step.
 */
export function LinkedStep({
  index,
  steps,
  findings,
  running,
}: {
  index: number
  steps: StepRecord[]
  findings: Finding[]
  running: boolean
}) {
  const step = steps[index]
  const own = step
    ? findings.filter(
        (f) =>
          f.step === step.name && (f.iteration === undefined || f.iteration === step.iteration),
      )
    : []
  return (
    <section className="linked-step" aria-label="Linked step">
      <h4>From the terminal: step {index + 1}</h4>
      {step ? (
        <p>
          <Badge tone={statusTone(step.status)}>{step.status}</Badge>{' '}
          <span className="mono small">#{step.iteration ?? 1}</span> <strong>{step.name}</strong>{' '}
          <span className="muted small">
            {Math.round(step.durationMs)} ms{step.startedAt ? `, started ${step.startedAt}` : ''}
          </span>
        </p>
      ) : (
        <p className="muted">
          {running ? 'Still running' : 'Not recorded'}
          {steps.length > 0 ? ` (after "${steps[steps.length - 1]!.name}")` : ''}.
        </p>
      )}
      {own.length > 0 && (
        <ul className="small" aria-label="Findings of the linked step">
          {own.map((f, i) => (
            <li key={i}>
              <strong>{f.invariant}</strong>: {f.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
