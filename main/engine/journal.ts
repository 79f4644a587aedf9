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
import type { DrillRunSummary, StepDetail } from '../../contract'
import { claimedKind, isSealed, openLine, sealLine } from './journal-lines'
import type { JournalStore } from './ports'
import { TrackedChange, changeKey } from './restore'

/**
 * The run journal: one JSON line per event in `<dataDir>/runs/<runId>.jsonl`, each fsynced
 * (through `JournalStore.append`) before the next step starts, so a crash loses no finished step.
 * `foldJournal` rebuilds a run from its lines; a run without an `end` line is `interrupted`.
 * Every line carries a CRC-32 (journal-lines.ts): a line that fails it, or does not parse, is
 * `damaged` and listed, never silently dropped.
 */

/**
 * Who the run ran against, recorded at its start and compared by `Engine.resumeRestore` before
 * it runs anything: the SHA256 host key fingerprint the SSH connection verified and the kernel
 * boot id (`/proc/sys/kernel/random/boot_id`). The target is the start entry's `target`.
 */
export const HostIdentity = z.object({
  hostKey: z.string().optional(),
  bootId: z.string().optional(),
})
export type HostIdentity = z.infer<typeof HostIdentity>

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
    /** Absent in journals written before identities were recorded. */
    identity: HostIdentity.optional(),
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

/** A journal line that failed its checksum, did not parse or is no known entry. */
export interface DamagedLine {
  /** 1-based line number in the run's file. */
  readonly line: number
  readonly reason: string
  /** The entry type its head claims (`change`, `step`…), when that much is readable. */
  readonly kind?: string
  /** The line's first 160 characters, as stored (escape before printing to a terminal). */
  readonly excerpt: string
}

/** Entry types whose damage cannot hide a change the run made to the host. */
const HARMLESS = new Set(['start', 'step', 'restored', 'end'])

/** True when a damaged line may have been a `change` line (its restore would be lost). */
export function mayHideChange(d: DamagedLine): boolean {
  return d.kind === undefined || !HARMLESS.has(d.kind)
}

/** Everything readable in a run's journal, even without its start line. Never throws. */
export interface JournalScan {
  readonly start: StartEntry | undefined
  readonly steps: StepEntry[]
  readonly changes: TrackedChange[]
  readonly restored: string[]
  readonly end: Extract<JournalEntry, { t: 'end' }> | undefined
  readonly damaged: DamagedLine[]
  /** Non-empty lines the store returned. */
  readonly lines: number
}

/** A run rebuilt from its journal. */
export interface JournalRun extends JournalScan {
  readonly start: StartEntry
  /** Damaged lines' numbers (see `damaged`), 1-based. */
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
    const line = sealLine(JSON.stringify(JournalEntry.parse(entry)))
    const next = this.tail.then(() => this.store.append(this.runId, line))
    this.tail = next.catch(() => undefined)
    return next
  }
}

/**
 * Reads what it can of a run's lines: entries whose checksum holds and that parse, in order;
 * everything else is listed in `damaged` with its line number. Never throws.
 */
export function scanJournal(lines: readonly string[]): JournalScan {
  let start: StartEntry | undefined
  const steps: StepEntry[] = []
  const changes = new Map<string, TrackedChange>()
  const restored: string[] = []
  const damaged: DamagedLine[] = []
  let end: JournalScan['end']
  let count = 0
  // Lines are appended, never rewritten: once one is sealed, every later one must be.
  let sealed = false
  lines.forEach((line, i) => {
    if (line.trim() === '') return
    count++
    const e = entryOf(line, sealed)
    sealed ||= isSealed(line)
    if (typeof e === 'string') {
      const kind = claimedKind(line)
      damaged.push({
        line: i + 1,
        reason: e,
        ...(kind ? { kind } : {}),
        excerpt: line.slice(0, 160),
      })
    } else if (e.t === 'start') start ??= e
    else if (e.t === 'change') {
      if (!changes.has(changeKey(e.change))) changes.set(changeKey(e.change), e.change)
    } else if (e.t === 'step') steps.push(e)
    else if (e.t === 'restored') restored.push(e.key)
    else end = e
  })
  return { start, steps, changes: [...changes.values()], restored, end, damaged, lines: count }
}

/** One line's entry, or why it is damaged. */
function entryOf(line: string, sealed: boolean): JournalEntry | string {
  const opened = openLine(line, sealed)
  if (!opened.ok) return opened.reason
  let json: unknown
  try {
    json = JSON.parse(opened.json)
  } catch {
    return 'not JSON (torn or overwritten)'
  }
  const parsed = JournalEntry.safeParse(json)
  return parsed.success ? parsed.data : 'not a journal entry this replab knows'
}

/**
 * Rebuilds a run from journal lines. Throws `parse-error` when no readable `start` entry exists
 * (`scanJournal` still reads such a run); damaged lines are listed in `damaged` and `skipped`.
 */
export function foldJournal(lines: readonly string[]): JournalRun {
  const scan = scanJournal(lines)
  if (!scan.start) throw labError('parse-error', 'journal has no readable start entry')
  return { ...scan, start: scan.start, skipped: scan.damaged.map((d) => d.line) }
}

/** The DrillReport of a journaled run (docs/design.md's JSON shape first). */
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

/**
 * One journaled step of a run (index into the report's `steps`): its commands with exit codes
 * and outputs, findings and snapshot diff, as the HTML export shows them. Throws `not-found`.
 */
export function stepDetailOf(run: JournalRun, index: number): StepDetail {
  const e = run.steps[index]
  if (!e)
    throw labError(
      'not-found',
      `run ${run.start.runId} has no step ${index + 1} (it has ${run.steps.length} so far)`,
    )
  return {
    index,
    step: e.step,
    records: e.records,
    findings: e.findings,
    diff: e.diff ?? [],
    restore: e.restore === true,
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
