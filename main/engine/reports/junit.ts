import junit from 'junit-report-builder'

import type { JournalRun, StepEntry } from '../journal'

/**
 * JUnit XML of a run through `junit-report-builder`: one testsuite per run, one testcase per
 * step and iteration (classname `replab.<drill>.iteration<N>` or `.restore`), failures carrying
 * the findings, system-out carrying the commands and their outputs.
 */
export function junitReport(run: JournalRun): string {
  const builder = junit.newBuilder()
  const s = run.start
  const suite = builder
    .testSuite()
    .name(`replab ${s.drill} ${s.device} on ${s.target}`)
    .timestamp(s.startedAt)
  suite.property('runId', s.runId).property('status', run.end?.status ?? 'interrupted')
  for (const e of run.steps) {
    const where = e.restore ? 'restore' : `iteration${e.step.iteration ?? 0}`
    const tc = suite
      .testCase()
      .className(`replab.${s.drill}.${where}`)
      .name(e.step.name)
      .time(e.step.durationMs / 1000)
    const messages = e.findings
      .filter((f) => f.severity === 'error' || f.severity === 'fatal')
      .map((f) => `${f.invariant}: ${f.message}`)
    if (e.step.status === 'failed') tc.failure(messages.join('\n') || 'step failed', 'invariant')
    else if (e.step.status === 'error') tc.error(messages.join('\n') || 'step error', 'operation')
    else if (e.step.status === 'skipped') tc.skipped()
    tc.standardOutput(transcript(e))
    const evidence = e.findings.flatMap((f) =>
      f.evidence ? [`${f.invariant}: ${f.evidence}`] : [],
    )
    if (evidence.length > 0) tc.standardError(evidence.join('\n'))
  }
  return builder.build()
}

function transcript(e: StepEntry): string {
  return e.records
    .map(
      (r) =>
        `$ ${r.command}\n${r.stdout}${r.stderr}[exit ${r.code ?? r.signal}, ${r.durationMs} ms]`,
    )
    .join('\n')
}
