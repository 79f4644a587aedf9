import { z } from 'zod'

import { CommandRecord } from './operations'
import { Change, DevlinkHandle } from './snapshot'

/** The drills of docs/design.md §Lifecycle engine (docs/domain.md §4). */
export const DrillKind = z.enum([
  'late-ib-reps',
  'pf-rebind',
  'vf-reset-isolation',
  'mode-race',
  'vf-churn',
  'fatal-recovery',
  'reload-unwind',
])
export type DrillKind = z.infer<typeof DrillKind>

/** Description of a drill for the list view and `replab drill list`. */
export const DrillInfo = z.object({
  kind: DrillKind,
  title: z.string(),
  description: z.string(),
  checks: z.array(z.string()),
  source: z.string(),
  needsFaultInjection: z.boolean(),
})
export type DrillInfo = z.infer<typeof DrillInfo>

/**
 * Parameters every drill takes. Durations in ms. `vfs`/`vfsAlt` size VF counts where a drill
 * uses them; without `vfs` a drill keeps the device's current VF count (at least the drill's
 * minimum), so it never destroys VFs nobody asked it to touch. The engine checks counts against
 * the device's `sriov_totalvfs` before the run starts (`invalid-request`, not stored as a run).
 */
export const DrillParams = z.object({
  iterations: z.number().int().min(1).max(10000).default(1),
  /** Outer bound of every step and wait, ms. */
  timeoutMs: z.number().int().min(100).max(3_600_000).default(30_000),
  stopOnFailure: z.boolean().default(false),
  vfs: z.number().int().min(0).max(1024).optional(),
  vfsAlt: z.number().int().min(0).max(1024).optional(),
  /**
   * Settle window of the drill's checks, ms: a check waiting for a state ends failed once the
   * device showed no change for this long without it (issue 21), not at `timeoutMs`. Absent:
   * 3,000, or half the step timeout when that is shorter.
   */
  settleMs: z.number().int().min(50).max(600_000).optional(),
})
export type DrillParams = z.infer<typeof DrillParams>

export const DrillStartRequest = z.object({
  hostId: z.string(),
  kind: DrillKind,
  device: DevlinkHandle,
  params: DrillParams,
  /**
   * Run even though the drill would change the VF count of, reset, or unbind a PF whose VFs are
   * in use (bound to a passthrough driver, or up with addresses); refused `in-use` otherwise.
   */
  force: z.boolean().optional(),
})
export type DrillStartRequest = z.infer<typeof DrillStartRequest>

/** A finding: an invariant that did not hold, with its evidence. */
export const Finding = z.object({
  severity: z.enum(['info', 'warning', 'error', 'fatal']),
  invariant: z.string(),
  message: z.string(),
  step: z.string(),
  iteration: z.number().int().optional(),
  evidence: z.string().optional(),
  /** What the check expected, in words, where the check knows it. */
  expected: z.string().optional(),
  /** What it saw instead, in words. */
  seen: z.string().optional(),
})
export type Finding = z.infer<typeof Finding>

/** One executed step. Durations in ms. */
export const StepRecord = z.object({
  name: z.string(),
  status: z.enum(['passed', 'failed', 'error', 'skipped', 'running']),
  durationMs: z.number(),
  iteration: z.number().int().optional(),
  startedAt: z.string().optional(),
  commands: z.array(z.string()).optional(),
  /** ms from issue to command return, and to postcondition observed. */
  returnedMs: z.number().nullable().optional(),
  observedMs: z.number().nullable().optional(),
})
export type StepRecord = z.infer<typeof StepRecord>

/** The report of one drill run; the first keys are docs/design.md's stable JSON. */
export const DrillReport = z.object({
  drill: DrillKind,
  target: z.string(),
  device: z.string(),
  /**
   * `not-applicable`: the device cannot do what the drill exercises (e.g. late-ib-reps without
   * mlx5_ib); nothing ran. Not a failure of the driver and not an `error` of the run.
   */
  status: z.enum([
    'passed',
    'failed',
    'error',
    'aborted',
    'interrupted',
    'running',
    'not-applicable',
  ]),
  findings: z.array(Finding),
  steps: z.array(StepRecord),
  runId: z.string().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  params: DrillParams.optional(),
  restored: z.array(z.string()).optional(),
})
export type DrillReport = z.infer<typeof DrillReport>

/** One journaled step as the run view opens it: commands with outputs, findings, snapshot diff. */
export const StepDetail = z.object({
  /** Index into the report's `steps` (journal order). */
  index: z.number().int(),
  step: StepRecord,
  records: z.array(CommandRecord),
  findings: z.array(Finding),
  diff: z.array(Change),
  /** A step of the restore pass. */
  restore: z.boolean(),
})
export type StepDetail = z.infer<typeof StepDetail>

/** Pushed while a drill runs. */
export const DrillProgress = z.object({
  runId: z.string(),
  hostId: z.string(),
  iteration: z.number().int(),
  iterations: z.number().int(),
  step: StepRecord,
  findings: z.array(Finding),
  status: DrillReport.shape.status,
})
export type DrillProgress = z.infer<typeof DrillProgress>

/**
 * What is wrong with a run's journal (lines that failed their checksum or did not parse, a
 * missing start line, an empty file) and which tracked changes can still be restored from it.
 */
export const JournalDamage = z.object({
  /** 1-based line numbers of the damaged lines (empty for an empty file). */
  lines: z.array(z.number().int()),
  message: z.string(),
  /** Change keys (`mode:pci/…`) still readable and not yet restored. */
  restorable: z.array(z.string()),
})
export type JournalDamage = z.infer<typeof JournalDamage>

/**
 * A past run as the journal lists it. A run whose start line is unreadable (torn, empty file)
 * has drill `unknown`, status `damaged`, and `damaged` says what can still be restored.
 */
export const DrillRunSummary = z.object({
  runId: z.string(),
  hostId: z.string(),
  drill: z.union([DrillKind, z.literal('unknown')]),
  device: z.string(),
  status: z.union([DrillReport.shape.status, z.literal('damaged')]),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  steps: z.number().int(),
  findings: z.number().int(),
  damaged: JournalDamage.optional(),
})
export type DrillRunSummary = z.infer<typeof DrillRunSummary>
