import { z } from 'zod'

import { DrillKind, DrillParams } from './drills'
import { BlastItem } from './operations'

/**
 * The plan of a drill (issue 21 item 1): what a lab engineer reads before confirming one. Built
 * by the engine's pure `planDrill()` from the drill's own procedure and the operation modules'
 * commands, blast radius and tracked state, on the host's current snapshot.
 */

/** One step of one iteration, as the drill will run it. */
export const PlannedStep = z.object({
  name: z.string(),
  /** `operation`: one operation's commands; `race`: command lanes run concurrently; `wait`: a
   * state the drill waits for; `check`: invariants computed from snapshots (no command). */
  kind: z.enum(['operation', 'race', 'wait', 'check']),
  /** The exact commands, in order (race lanes one after the other); empty for waits and checks. */
  commands: z.array(z.string()),
  /** What the step expects or waits for, in words. */
  expect: z.string().optional(),
  /** Disturbs traffic or state (the operation module's `destructive`). */
  destructive: z.boolean(),
})
export type PlannedStep = z.infer<typeof PlannedStep>

/** A VF the discovery marked as in use, with why (`VfInfo.inUse`). */
export const InUseVf = z.object({
  device: z.string(),
  bdf: z.string(),
  vf: z.number().int(),
  netdev: z.string().nullable(),
  reason: z.string(),
})
export type InUseVf = z.infer<typeof InUseVf>

/** One item the restore pass puts back if the drill leaves it changed. */
export const PlannedRestore = z.object({
  /** Tracked change key, e.g. `mode:pci/0000:08:00.0`. */
  key: z.string(),
  /** e.g. `E-Switch mode of pci/0000:08:00.0 back to legacy`. */
  text: z.string(),
  /** The operation words that put it back (`eswitch-mode pci/0000:08:00.0 legacy`). */
  operation: z.string(),
})
export type PlannedRestore = z.infer<typeof PlannedRestore>

/** How long the drill should take, ms, and what that is based on. */
export const DrillEstimate = z.object({
  typicalMs: z.number(),
  /** Every wait running to its timeout: the outer bound. */
  worstMs: z.number(),
  basis: z.string(),
})
export type DrillEstimate = z.infer<typeof DrillEstimate>

/** The whole plan: steps of one iteration, blast radius, VFs in use, restore, estimate. */
export const DrillPlan = z.object({
  hostId: z.string(),
  /** `user@host:port`. */
  target: z.string(),
  hostName: z.string(),
  kind: DrillKind,
  device: z.string(),
  /** The parameters as the run will use them (`vfs` resolved to a count). */
  params: DrillParams,
  /** Steps of the first iteration. */
  steps: z.array(PlannedStep),
  /** Steps of each later iteration (they skip steps whose state already holds); empty for 1. */
  repeatSteps: z.array(PlannedStep),
  blastRadius: z.array(BlastItem),
  /** VFs of the device that are in use, whether or not the drill touches them. */
  inUse: z.array(InUseVf),
  restore: z.array(PlannedRestore),
  estimate: DrillEstimate,
  /** Why the drill does not apply to the device (it would end `not-applicable`), or null. */
  notApplicable: z.string().nullable(),
  /** What is wrong with the request (`invalid-request` when started); empty when fine. */
  problems: z.array(z.string()),
  /** Why the drill refuses (`in-use`) unless forced; null when nothing in use is disturbed. */
  refusal: z.string().nullable(),
  /** Things to know that change nothing (e.g. VFs whose BDF is known only once created). */
  notes: z.array(z.string()),
  /** The confirmation sentence naming host and device. */
  confirm: z.string(),
})
export type DrillPlan = z.infer<typeof DrillPlan>
