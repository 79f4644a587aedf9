import type { DrillRunSummary, JournalDamage } from '../../contract'
import { summaryOf, type DamagedLine, type JournalScan } from './journal'
import { changeKey } from './restore'

/**
 * History entries of journaled runs, damaged ones included: a run whose journal has damaged
 * lines, no readable start line or no line at all is listed (never hidden) with what is wrong
 * and which of its tracked changes can still be restored.
 */

/** Change keys still readable in `scan` and not yet restored (none once the run ended). */
export function restorableKeys(scan: JournalScan): string[] {
  if (scan.end) return []
  const done = new Set(scan.restored)
  return scan.changes.map(changeKey).filter((k) => !done.has(k))
}

function describe(damaged: readonly DamagedLine[]): string {
  return damaged.map((d) => `line ${d.line}${d.kind ? ` (${d.kind})` : ''}: ${d.reason}`).join('; ')
}

/** The damage report of a scan, or undefined when every line was read. */
export function damageOf(scan: JournalScan): JournalDamage | undefined {
  const restorable = restorableKeys(scan)
  if (scan.lines === 0) {
    return {
      lines: [],
      message: 'empty journal: the console stopped before its first line was written',
      restorable,
    }
  }
  if (scan.damaged.length === 0 && scan.start) return undefined
  const what = scan.damaged.length > 0 ? describe(scan.damaged) : 'no start line'
  const head = scan.start ? '' : 'start line unreadable; '
  const left = restorable.length > 0 ? `still restorable: ${restorable.join(', ')}` : ''
  return {
    lines: scan.damaged.map((d) => d.line),
    message: `${head}${what}${left ? `; ${left}` : ''}`,
    restorable,
  }
}

/**
 * The history entry of run `runId`. With a readable start: its summary (plus `damaged` when
 * lines are damaged). Without: drill `unknown`, status `damaged`, the device of its first
 * readable change and the damage report.
 */
export function historyEntry(runId: string, scan: JournalScan): DrillRunSummary {
  const damaged = damageOf(scan)
  if (scan.start) {
    const s = summaryOf({ ...scan, start: scan.start, skipped: [] })
    return damaged ? { ...s, damaged } : s
  }
  const first = scan.changes[0]
  const device = first ? ('device' in first ? first.device : changeKey(first)) : '?'
  return {
    runId,
    hostId: '?',
    drill: 'unknown',
    device,
    status: 'damaged',
    startedAt: '',
    ...(scan.end ? { finishedAt: scan.end.finishedAt } : {}),
    steps: scan.steps.length,
    findings: scan.steps.reduce((n, e) => n + e.findings.length, 0),
    damaged: damaged ?? { lines: [], message: 'no start line', restorable: [] },
  }
}
