/**
 * While an operation's verifying read is in flight (its last command's exec, read-after.ts),
 * the host watcher's own refreshes wait for it, up to `graceMs` from when one became due. The
 * events that command set off would otherwise start reads that run beside the operation's on the
 * same host: on the netdevsim VM (one vCPU, TCG) they made the operation's read 3× slower
 * (520–670 ms against 180–260 ms held; test/bench/RESULTS.md). Once the read lands, is given
 * up, or the grace ends, the held refreshes run; no event is dropped, only delayed, so the live
 * view stays at most `graceMs` behind during a long command (a VF count of 127 on mlx5 takes
 * seconds).
 */

/** Grace of a held refresh, ms. */
export const READ_HOLD_GRACE_MS = 500

/** The hold (see the module comment); `wake` runs the watcher's pump. */
export class ReadHold {
  private count = 0
  /** `performance.now()` when a refresh first found the hold, ms; null when none waits. */
  private blockedAt: number | null = null
  private timer: ReturnType<typeof setTimeout> | null = null

  constructor(
    private readonly wake: () => void,
    private readonly graceMs = READ_HOLD_GRACE_MS,
  ) {}

  /**
   * Whether a refresh due now must wait. The first refusal starts its grace and arms a timer
   * that wakes the pump when the grace ends.
   */
  holding(): boolean {
    if (this.count === 0) return this.clear()
    const now = performance.now()
    if (this.blockedAt === null) {
      this.blockedAt = now
      this.timer = setTimeout(() => {
        this.timer = null
        this.wake()
      }, this.graceMs)
    }
    return now < this.blockedAt + this.graceMs || this.clear()
  }

  /** Takes the hold for one read; the returned release (idempotent) lets held refreshes go. */
  take(): () => void {
    this.count++
    let held = true
    return () => {
      if (!held) return
      held = false
      this.count--
      if (this.count === 0) {
        this.clear()
        this.wake()
      }
    }
  }

  /** Stops the timer (the watcher closed, or nothing waits any more). */
  clear(): false {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    this.blockedAt = null
    return false
  }
}
