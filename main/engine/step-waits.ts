import type { Finding } from '../../contract'
import type { FindingPlace } from './invariants'

/**
 * The findings of a drill wait that ended without its state (step-runner.ts). A wait ends as
 * soon as the device settled without the state (issue 21: "fail fast, never falsely"), so the
 * findings say how long the device was quiet and the settle window that decided it; a device
 * still changing at the step timeout says that instead. Pure.
 */

/** `the device settled without it: no change for <quiet> ms (settle window <window> ms)`. */
export function settleText(quietMs: number, settleMs: number): string {
  return `the device settled without it: no change for ${Math.round(quietMs)} ms (settle window ${settleMs} ms)`
}

/**
 * The findings of a wait for `name` that settled without its state: the check's own findings on
 * the settled snapshot, each naming the settle window, or one `error` finding saying the state
 * was not observed when the check has nothing to say.
 */
export function settledWithout(
  name: string,
  findings: readonly Finding[],
  quietMs: number,
  settleMs: number,
  place: FindingPlace,
): Finding[] {
  const why = settleText(quietMs, settleMs)
  if (findings.length === 0) return [notObservedFinding(name, `not observed; ${why}`, place)]
  return findings.map((f) =>
    f.severity === 'info' ? f : { ...f, message: `${f.message}; ${why}` },
  )
}

/** The check's findings on a device still changing when the step timeout (ms) ran out. */
export function stillChanging(findings: readonly Finding[], timeoutMs: number): Finding[] {
  return findings.map((f) =>
    f.severity === 'info'
      ? f
      : {
          ...f,
          message: `${f.message}; the device was still changing at the ${timeoutMs} ms timeout`,
        },
  )
}

/** An `error` finding for a state the wait never saw: `<name>: <why>`, expected `name`. */
export function notObservedFinding(name: string, why: string, place: FindingPlace): Finding {
  return {
    severity: 'error',
    invariant: name,
    message: `${name}: ${why}`,
    expected: name,
    seen: 'not observed',
    ...place,
  }
}
