import { z } from 'zod'

import {
  CommandRecord,
  DrillKind,
  DrillParams,
  DrillReport,
  Finding,
  StepRecord,
  Change,
  labError,
} from '../../contract'
import type { DrillRunSummary } from '../../contract'
import type { JournalStore } from './ports'
import { TrackedChange, changeKey } from './restore'

/**
 * The run journal: one JSON line per event in `<dataDir>/runs/<runId>.jsonl`, each fsynced
 * (through `JournalStore.append`) before the next step starts, so a crash loses no finished step.
 * `foldJournal` rebuilds a run from its lines; a run without an `end` line is `interrupted`.
 */

export const JournalEntry = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('start'),
    runId: z.string(),
    hostId: z.string(),
    target: z.string(),
    drill: DrillKind,
    device: z.string(),
    params: DrillParams,
    startedAt: z.string(),
    owner: z.string(),
    hostName: z.string().optional(),
    kernel: z.string().optional(),
  }),
  z.object({ t: z.literal('change'), change: TrackedChange }),
  z.object({
    t: z.literal('step'),
    step: StepRecord,
    records: z.array(CommandRecord),
    findings: z.array(Finding),
    diff: z.array(Change).optional(),
    restore: z.boolean().optional(),
  }),
  z.object({ t: z.literal('restored'), key: z.string() }),
  z.object({
    t: z.literal('end'),
    status: DrillReport.shape.status,
    finishedAt: z.string(),
    error: z.string().optional(),
  }),
])
export type JournalEntry = z.infer<typeof JournalEntry>
export type StepEntry = Extract<JournalEntry, { t: 'step' }>
export type StartEntry = Extract<JournalEntry, { t: 'start' }>

/** A run rebuilt from its journal. */
export interface JournalRun {
  readonly start: StartEntry
  readonly steps: StepEntry[]
  readonly changes: TrackedChange[]
  readonly restored: string[]
  readonly end: Extract<JournalEntry, { t: 'end' }> | undefined
  /** Lines that did not parse (a torn write, a newer format), by 1-based line number. */
  readonly skipped: number[]
}

/** Appends entries for one run, in order, each durable before the promise resolves. */
export class JournalWriter {
  private tail: Promise<void> = Promise.resolve()

  constructor(
    private readonly store: JournalStore,
    readonly runId: string,
  ) {}

  /** Appends one entry; rejects with the store's `io-error`. */
  append(entry: JournalEntry): Promise<void> {
    const line = JSON.stringify(JournalEntry.parse(entry))
    const next = this.tail.then(() => this.store.append(this.runId, line))
    this.tail = next.catch(() => undefined)
    return next
  }
}

/**
 * Rebuilds a run from journal lines. Throws `parse-error` when the first line is not a `start`
 * entry; later bad lines are skipped and listed.
 */
export function foldJournal(lines: readonly string[]): JournalRun {
  let start: StartEntry | undefined
  const steps: StepEntry[] = []
  const changes = new Map<string, TrackedChange>()
  const restored: string[] = []
  const skipped: number[] = []
  let end: JournalRun['end']
  lines.forEach((line, i) => {
    if (line.trim() === '') return
    let parsed: ReturnType<typeof JournalEntry.safeParse>
    try {
      parsed = JournalEntry.safeParse(JSON.parse(line))
    } catch {
      skipped.push(i + 1)
      return
    }
    if (!parsed.success) return void skipped.push(i + 1)
    const e = parsed.data
    if (e.t === 'start') start ??= e
    else if (e.t === 'change') {
      if (!changes.has(changeKey(e.change))) changes.set(changeKey(e.change), e.change)
    } else if (e.t === 'step') steps.push(e)
    else if (e.t === 'restored') restored.push(e.key)
    else end = e
  })
  if (!start) throw labError('parse-error', 'journal has no start entry')
  return { start, steps, changes: [...changes.values()], restored, end, skipped }
}

/** The DrillReport of a journaled run (DESIGN.md's JSON shape first). */
export function reportOf(run: JournalRun): DrillReport {
  const s = run.start
  return {
    drill: s.drill,
    target: s.target,
    device: s.device,
    status: run.end?.status ?? 'interrupted',
    findings: run.steps.flatMap((e) => e.findings),
    steps: run.steps.map((e) => e.step),
    runId: s.runId,
    startedAt: s.startedAt,
    ...(run.end ? { finishedAt: run.end.finishedAt } : {}),
    params: s.params,
    restored: run.restored,
  }
}

/** The summary line of a run for history lists. */
export function summaryOf(run: JournalRun): DrillRunSummary {
  const r = reportOf(run)
  return {
    runId: run.start.runId,
    hostId: run.start.hostId,
    drill: r.drill,
    device: r.device,
    status: r.status,
    startedAt: run.start.startedAt,
    ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}),
    steps: r.steps.length,
    findings: r.findings.length,
  }
}
