import type {
  Change,
  CommandRecord,
  DrillParams,
  DrillProgress,
  DrillStartRequest,
  Finding,
  HostSnapshot,
} from '../../contract'
import { checkEthReps, checkLegacy, checkStructure, type FindingPlace } from './invariants'
import type { JournalWriter } from './journal'
import type { CommandTrail } from './audit'
import type { Link } from './host-link'
import type { HostPorts } from './ports'

/** Types shared by the drill step machinery (drill-context.ts) and the runner. */

/** Drill parameters once the engine resolved them (drill-plan.ts `resolveParams`): `vfs` is a count. */
export type ResolvedParams = DrillParams & { readonly vfs: number; readonly settleMs: number }

/** A drill request whose parameters the engine resolved (what the run journals and uses). */
export type ResolvedRequest = DrillStartRequest & { readonly params: ResolvedParams }

/** What a drill run is bound to. */
export interface DrillEnv {
  readonly ports: HostPorts
  readonly target: string
  readonly device: string
  readonly params: ResolvedParams
  readonly runId: string
  readonly signal: AbortSignal
  readonly journal: Pick<JournalWriter, 'append'>
  /** The snapshot at the start of the drill: restore brings tracked items back to it. */
  readonly baseline: HostSnapshot
  readonly faultSupported: boolean
  readonly onProgress?: (progress: DrillProgress) => void
  /**
   * The link to the host holding the device's locks: it reconnects, retakes the remote lock and
   * reports what happened (host-link.ts); `ports` are its ports (the runner refuses while the
   * remote lock is lost).
   */
  readonly link: Link
  /** Audits every command the drill sends under the step running it (audit.ts). */
  readonly trail?: CommandTrail
}

/**
 * Findings that say a step could not be checked, not that the kernel misbehaved: the step is
 * `error` and the drill ends `error` (never `passed`): host output that did not parse for the
 * device (snapshot-issues.ts), kernel-log records overwritten before they were read (dmesg.ts).
 */
export const UNVERIFIED: ReadonlySet<string> = new Set(['snapshot-unreadable', 'dmesg-lost'])

/** Which invariants a step awaits: all structural ones, ETH reps only, or none. */
export type StepChecks = 'all' | 'eth' | 'none'

/** The invariant check of `checks` on `device` (invariants.ts), or null for `none`. */
export function stepChecker(
  checks: StepChecks,
  device: string,
): ((s: HostSnapshot, p: FindingPlace) => Finding[]) | null {
  if (checks === 'none') return null
  if (checks === 'eth')
    return (s, p) => [...checkEthReps(s, device, p), ...checkLegacy(s, device, p)]
  return (s, p) => checkStructure(s, device, p)
}

/** Thrown to end the current iteration after a failed step; the runner records it. */
export class StepFailure extends Error {
  constructor(readonly step: string) {
    super(`step ${step} failed`)
    this.name = 'StepFailure'
  }
}

/** Everything a finished step reports before checks (internal to the step machinery). */
export interface StepOutcome {
  readonly name: string
  readonly startedMs: number
  readonly records: CommandRecord[]
  readonly findings: Finding[]
  readonly error: boolean
  readonly returnedMs?: number | null
  readonly observedMs?: number | null
  readonly diff?: Change[]
  /** A fresh snapshot taken after the step (skips one read when the invariants already hold). */
  readonly snapshot?: HostSnapshot
}
