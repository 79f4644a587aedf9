/**
 * Simulated time: real durations scaled by the lab's `speed` factor.
 *
 * `speed` 1 is real time; 0.02 makes every modelled duration 50x shorter. Kernel durations
 * come from docs/domain.md §5 (mode change ≈1.3 s, ≈0.6 s per VF probe).
 */
export class SimClock {
  speed: number
  /** Extra slowdown injected with the `slow <factor>` fault (1 = none). */
  slowFactor = 1
  private bootAt: number
  constructor(speed: number) {
    this.speed = speed
    this.bootAt = performance.now()
  }

  /** Marks a new boot: uptime restarts at 0. */
  reboot(): void {
    this.bootAt = performance.now()
  }

  /** Seconds since boot, as dmesg and ftrace print them. Real time, not scaled, plus 5 s of "boot". */
  uptime(): number {
    return 5 + (performance.now() - this.bootAt) / 1000
  }

  /** Scaled duration in ms for a modelled kernel duration of `ms`. */
  scaled(ms: number): number {
    return ms * this.speed * this.slowFactor
  }

  /**
   * Waits a modelled kernel duration (`ms` real-hardware ms, scaled by speed).
   *
   * Rejects with the signal's reason when `signal` aborts first.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepReal(this.scaled(ms), signal)
  }
}

/** Waits `ms` wall-clock ms; rejects with an `AbortError` when `signal` aborts. */
export function sleepReal(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError())
      return
    }
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      },
      Math.max(0, ms),
    )
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(abortError())
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** The error every aborted wait rejects with (`name === 'AbortError'`). */
export function abortError(): Error {
  const error = new Error('aborted')
  error.name = 'AbortError'
  return error
}

/** Formats an uptime in seconds the way printk does: `[  123.456789]`. */
export function printkTime(seconds: number): string {
  return `[${seconds.toFixed(6).padStart(12, ' ')}]`
}
