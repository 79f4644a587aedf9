import { labError } from '../../contract'
import type { HostSnapshot, LabError } from '../../contract'
import { diffSnapshots } from '../host/diff'
import type { DiscoveryPart } from '../host/discovery-script'
import { lostWhileWaiting } from './fresh-fallback'
import type { Clock, SnapshotSource } from './ports'
import { isConnectionLossError, pause } from './reconnect'

/**
 * A wait that knows when waiting longer is pointless. It resolves as soon as `holds` is true of a
 * snapshot (a change event's or a fresh read's: of `parts` only when given, the targeted read of
 * what the caller checks), or once the host has *settled* without it: no
 * change event from the source and no difference between consecutive fresh reads (main/host
 * diff.ts: takenAt and stats do not count) for `settleMs`, seen by at least two successful fresh
 * reads spanning the window. The first fresh read is taken at once (read-after-write: the
 * command has returned, so its effect may already be visible with no event; an `initial` read
 * the command's exec took ends the wait first when it holds), then one every `intervalMs` after
 * the previous one ended.
 *
 * A host still changing at the deadline rejects `timeout`. Failing reads (device gone, host
 * rebooting, connection lost) are never "settled": they restart the window, and a deadline
 * reached while the last reads failed for a lost connection rejects with that connection error
 * (`connection lost while waiting (N ms): …`, as fresh-fallback.ts). The signal rejects `aborted`.
 *
 * Issue 16 item 5: an operation ends within 2 s of the device settling in the wrong state, so
 * operations use a 1,000 ms window and 200 ms reads (worst case ≈ window + one read interval +
 * one read after the last change). Drill checks may pass their own window (issue 21: 3 s).
 */

/** The settle window of an operation's wait, ms. */
export const OPERATION_SETTLE_MS = 1000

/** Pause between two fresh reads while waiting, ms. */
export const SETTLE_READ_MS = 200

/** Options of `waitSettled`; all durations in ms. */
export interface SettleWaitOptions {
  /** Deadline from the call. */
  readonly timeoutMs: number
  /** How long the host must show no change to count as settled. */
  readonly settleMs: number
  /** Pause between fresh reads (default `SETTLE_READ_MS`). */
  readonly intervalMs?: number
  /**
   * The discovery parts each fresh read reads (ports.ts `SnapshotOptions.parts`: one small round
   * trip, the rest from the event-driven cache); every part when omitted.
   */
  readonly parts?: readonly DiscoveryPart[]
  /**
   * A read already taken by the caller (an operation's verifying read in its last command's
   * exec, read-after.ts): the wait ends on it when `holds`; otherwise it goes on as without it.
   */
  readonly initial?: HostSnapshot
  readonly signal?: AbortSignal
}

/** How the wait ended: `held` with the snapshot that showed it, or settled without it. */
export type SettleOutcome =
  | { readonly held: true; readonly snapshot: HostSnapshot }
  | {
      readonly held: false
      /** The last fresh read of the quiet stretch. */
      readonly snapshot: HostSnapshot
      /** How long the host showed no change, ms (≥ `settleMs`). */
      readonly quietMs: number
    }

/** The current quiet stretch: since when (ms) and by how many fresh reads it is seen. */
class Stretch {
  private last: HostSnapshot | undefined
  private since: number | undefined
  private reads = 0
  /** The connection error of the latest read, while reads fail for a lost connection. */
  lost: LabError | undefined

  constructor(private readonly clock: Clock) {}

  /** A change event: the next read starts a new stretch. */
  moved(): void {
    this.since = undefined
  }

  /** A successful read; the quiet time (ms) once settled for `settleMs`, else undefined. */
  read(snapshot: HostSnapshot, settleMs: number): number | undefined {
    const now = this.clock.now()
    this.lost = undefined
    const changed = !this.last || diffSnapshots(this.last, snapshot).changes.length > 0
    if (changed || this.since === undefined) {
      this.since = now
      this.reads = 0
    }
    this.last = snapshot
    this.reads++
    const quiet = now - this.since
    return this.reads >= 2 && quiet >= settleMs ? quiet : undefined
  }

  /** A failed read: not settled; a lost connection is remembered for the deadline. */
  failed(err: unknown): void {
    this.last = undefined
    this.since = undefined
    this.lost = isConnectionLossError(err) ? err : undefined
  }
}

/**
 * Waits until `holds` is true or the host settled without it (see the module comment). Resolves
 * with the outcome; rejects with a `LabError` `timeout`, a connection error, or `aborted`.
 */
export function waitSettled(
  source: SnapshotSource,
  clock: Clock,
  holds: (snapshot: HostSnapshot) => boolean,
  options: SettleWaitOptions,
): Promise<SettleOutcome> {
  const { signal, timeoutMs } = options
  if (signal?.aborted) return Promise.reject(labError('aborted', 'wait aborted'))
  const stop = new AbortController()
  const stretch = new Stretch(clock)
  return new Promise<SettleOutcome>((resolve, reject) => {
    let off = (): void => undefined
    const end = (settle: () => void): void => {
      if (stop.signal.aborted) return
      stop.abort()
      clearTimeout(timer)
      off()
      signal?.removeEventListener('abort', onAbort)
      settle()
    }
    const onAbort = (): void => end(() => reject(labError('aborted', 'wait aborted')))
    const timer = setTimeout(() => {
      const timeout = labError('timeout', `the host did not settle within ${timeoutMs} ms`)
      end(() => reject(lostWhileWaiting(timeout, stretch.lost, timeoutMs)))
    }, timeoutMs)
    signal?.addEventListener('abort', onAbort, { once: true })
    off = source.onChange((s) => {
      if (holds(s)) end(() => resolve({ held: true, snapshot: s }))
      else stretch.moved()
    })
    const done = (outcome: SettleOutcome): void => end(() => resolve(outcome))
    void readLoop(source, stretch, holds, options, stop.signal, done)
  })
}

/** Fresh reads until the outcome is known or `stop` aborts. */
async function readLoop(
  source: SnapshotSource,
  stretch: Stretch,
  holds: (snapshot: HostSnapshot) => boolean,
  options: SettleWaitOptions,
  stop: AbortSignal,
  done: (outcome: SettleOutcome) => void,
): Promise<void> {
  // Taken in the command's exec: ends the wait when it holds; otherwise the read-after-write
  // follows at once, as without it (the command's effects may still be landing).
  if (options.initial && holds(options.initial))
    return done({ held: true, snapshot: options.initial })
  while (!stop.aborted) {
    try {
      const s = await source.snapshot({
        fresh: true,
        signal: stop,
        ...(options.parts ? { parts: options.parts } : {}),
      })
      if (stop.aborted) return
      if (holds(s)) return done({ held: true, snapshot: s })
      const quietMs = stretch.read(s, options.settleMs)
      if (quietMs !== undefined) return done({ held: false, snapshot: s, quietMs })
    } catch (err) {
      if (stop.aborted) return
      stretch.failed(err)
    }
    await pause(options.intervalMs ?? SETTLE_READ_MS, stop)
  }
}
