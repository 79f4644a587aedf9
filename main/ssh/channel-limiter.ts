import { labError } from '../../contract/errors'

/**
 * FIFO counting semaphore for SSH channels. sshd's MaxSessions defaults to 10 and opens start
 * failing at about 6 in flight (docs/perf.md row 2c), so replab keeps at most 4 exec
 * channels open per connection and queues the rest in arrival order.
 */
export class ChannelLimiter {
  private active = 0
  private readonly waiters: Array<{ grant: () => void }> = []

  /** @param limit maximum concurrent holders (≥1). */
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`channel limit must be ≥1, got ${limit}`)
  }

  /** Holders right now. */
  get inFlight(): number {
    return this.active
  }

  /** Waiting callers. */
  get queued(): number {
    return this.waiters.length
  }

  /**
   * Waits for a slot; resolves with a release function (idempotent). Rejects with `aborted`
   * when `signal` aborts while queued.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted)
      return Promise.reject(labError('aborted', 'aborted while waiting for a channel'))
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort)
        this.active++
        let released = false
        resolve(() => {
          if (released) return
          released = true
          this.active--
          this.waiters.shift()?.grant()
        })
      }
      const waiter = { grant }
      const onAbort = (): void => {
        const i = this.waiters.indexOf(waiter)
        if (i >= 0) this.waiters.splice(i, 1)
        reject(labError('aborted', 'aborted while waiting for a channel'))
      }
      if (this.active < this.limit) grant()
      else {
        this.waiters.push(waiter)
        signal?.addEventListener('abort', onAbort, { once: true })
      }
    })
  }
}
