/**
 * The one polling helper of the test suites: tests wait for what they check, never sleep.
 *
 * `poll(check, { timeoutMs, what })` calls `check` until it returns a value that is neither
 * `undefined`, `null` nor `false` and resolves with that value. `check` may be async and may
 * throw: a throw counts as "not yet" and its message is kept for the timeout error. After
 * `timeoutMs` (default 5,000 ms) it rejects with an Error naming `what`, the elapsed ms and the
 * last value or error seen, so a failing test says what it was waiting for.
 *
 * The interval starts at `intervalMs` (default 5 ms) and doubles up to 250 ms, so fast
 * conditions are seen at once and slow ones (a VM, an SSH reconnect) do not spin a core.
 */

/** Options of `poll`. */
export interface PollOptions {
  /** Deadline in ms from the first call; default 5,000. */
  readonly timeoutMs?: number
  /** First interval in ms between calls; default 5, doubling up to 250. */
  readonly intervalMs?: number
  /** What is awaited, for the timeout message, e.g. `"VF 0 back on mlx5_core"`. */
  readonly what?: string
  /** Stops polling early: rejects with the signal's reason. */
  readonly signal?: AbortSignal
}

type Truthy<T> = Exclude<T, undefined | null | false>

/** Polls `check` until it yields a truthy value (see the module doc); rejects on the deadline. */
export async function poll<T>(
  check: () => T | Promise<T>,
  options: PollOptions = {},
): Promise<Truthy<T>> {
  const timeoutMs = options.timeoutMs ?? 5000
  const start = Date.now()
  let interval = options.intervalMs ?? 5
  let last: string
  for (;;) {
    options.signal?.throwIfAborted()
    try {
      const value = await check()
      if (value !== undefined && value !== null && value !== false) return value as Truthy<T>
      last = `last value ${describe(value)}`
    } catch (err) {
      last = `last error: ${err instanceof Error ? err.message : String(err)}`
    }
    const elapsed = Date.now() - start
    if (elapsed >= timeoutMs) {
      throw new Error(
        `timed out after ${elapsed} ms waiting for ${options.what ?? 'a condition'} (${last})`,
      )
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, timeoutMs - elapsed)))
    interval = Math.min(interval * 2, 250)
  }
}

function describe(value: unknown): string {
  try {
    const text = JSON.stringify(value)
    return text === undefined ? String(value) : text.slice(0, 200)
  } catch {
    return String(value)
  }
}
