import type { CommandRecord } from '../../../contract'
import type { JournalRun } from '../journal'

/** Most output lines per stream kept as comments in repro.sh. */
const MAX_LINES = 200

function commentLines(label: string, text: string): string[] {
  if (text.trim() === '') return []
  const lines = text.replace(/\n$/, '').split('\n')
  const kept = lines.slice(0, MAX_LINES).map((l) => `# ${label}| ${l.replace(/\r/g, '')}`)
  if (lines.length > MAX_LINES) kept.push(`# ${label}| … ${lines.length - MAX_LINES} more lines`)
  return kept
}

function recordLines(r: CommandRecord): string[] {
  return [
    r.command,
    `# exit ${r.code ?? `signal ${r.signal ?? '?'}`} after ${Math.round(r.durationMs)} ms`,
    ...commentLines('out', r.stdout),
    ...commentLines('err', r.stderr),
  ]
}

/**
 * `repro.sh` of a run: `#!/bin/sh` + `set -x`, then every command replab ran, in order, with
 * the observed exit code and outputs as comments, so a kernel developer can replay it by hand.
 * Steps that ran commands concurrently (races) say so; the invariant checks are comments.
 */
export function reproScript(run: JournalRun): string {
  const s = run.start
  const out = [
    '#!/bin/sh',
    `# replab drill ${s.drill} on ${s.device} of ${s.target}${s.hostName ? ` (${s.hostName}, kernel ${s.kernel ?? '?'})` : ''}`,
    `# run ${s.runId} started ${s.startedAt}; status ${run.end?.status ?? 'interrupted'}`,
    `# params ${JSON.stringify(s.params)}`,
    '# The commands in the order replab ran them; outputs as observed, as comments.',
    'set -x',
  ]
  for (const e of run.steps) {
    const where = e.restore ? 'restore' : `iteration ${e.step.iteration ?? '?'}`
    out.push(
      '',
      `# --- ${where}: ${e.step.name} (${e.step.status}, ${Math.round(e.step.durationMs)} ms)`,
    )
    if (e.step.name.startsWith('race'))
      out.push('# these ran concurrently in the original run (one lane per operation kind)')
    for (const r of e.records) out.push(...recordLines(r))
    for (const f of e.findings)
      out.push(`# finding [${f.severity}] ${f.invariant}: ${f.message.replace(/\n/g, ' ')}`)
  }
  out.push('')
  return out.join('\n')
}
