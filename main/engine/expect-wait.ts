import type { HostSnapshot, LabErrorData } from '../../contract'
import type { DiscoveryPart } from '../host/discovery-script'
import type { Expectation } from './operations'
import type { Clock, SnapshotSource } from './ports'
import { OPERATION_SETTLE_MS, waitSettled } from './settle-wait'

/**
 * The wait after an operation's commands returned: until its `Expectation` holds, or until the
 * device settled (settle-wait.ts). Settled in another state than a known expectation is a
 * `postcondition-mismatch` naming host, device, commands, expected (with its source) and
 * observed; an unknown expectation (`known: false`) reports what it observed once settled.
 */

/** What the wait needs to know beyond the expectation; durations in ms. */
export interface ExpectWaitContext {
  /** `user@host:port`. */
  readonly host: string
  /** The device, function or module the operation names. */
  readonly subject: string
  /** Devlink handle or BDF for the error's `device` field, when the operation names one. */
  readonly device?: string
  readonly commands: readonly string[]
  readonly timeoutMs: number
  /** Settle window (default `OPERATION_SETTLE_MS`). */
  readonly settleMs?: number
  /** Pause between fresh reads (default settle-wait's `SETTLE_READ_MS`). */
  readonly intervalMs?: number
  /** What each fresh read reads (`OperationModule.reads`); everything when omitted. */
  readonly parts?: readonly DiscoveryPart[]
  /** The first fresh read, taken in the last command's exec (settle-wait.ts `initial`). */
  readonly initial?: HostSnapshot
  readonly signal?: AbortSignal
}

/** How the wait ended: the snapshot, the observed state in words, and a mismatch if any. */
export interface ExpectVerdict {
  readonly after: HostSnapshot
  /** `Expectation.observed` on `after`. */
  readonly observed: string
  /** Set when a known expectation did not hold once the device settled. */
  readonly mismatch?: LabErrorData
}

/**
 * Waits for `expectation` (see the module comment). Rejects as `waitSettled` does: `timeout`
 * for a device still changing at the deadline, a connection error, `aborted`.
 */
export async function awaitExpectation(
  source: SnapshotSource,
  clock: Clock,
  expectation: Expectation,
  ctx: ExpectWaitContext,
): Promise<ExpectVerdict> {
  const holds = expectation.known ? (s: HostSnapshot) => expectation.holds(s) : () => false
  const outcome = await waitSettled(source, clock, holds, {
    timeoutMs: ctx.timeoutMs,
    settleMs: ctx.settleMs ?? OPERATION_SETTLE_MS,
    ...(ctx.intervalMs !== undefined ? { intervalMs: ctx.intervalMs } : {}),
    ...(ctx.parts ? { parts: ctx.parts } : {}),
    ...(ctx.initial ? { initial: ctx.initial } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  })
  const after = outcome.snapshot
  const observed = expectation.observed(after)
  if (outcome.held || !expectation.known) return { after, observed }
  const command = ctx.commands.join('; ')
  const message =
    `${ctx.subject} on ${ctx.host} settled in another state than expected after ${command} ` +
    `(no change for ${outcome.quietMs} ms): expected ${expectation.text} ` +
    `[${expectation.source}]; observed ${observed}`
  return {
    after,
    observed,
    mismatch: {
      code: 'postcondition-mismatch',
      message,
      host: ctx.host,
      command,
      detail: `expected: ${expectation.text} [${expectation.source}]\nobserved: ${observed}`,
      ...(ctx.device ? { device: ctx.device } : {}),
    },
  }
}
