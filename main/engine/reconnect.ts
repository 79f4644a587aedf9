import { LabError, labError } from '../../contract'
import type { HostSnapshot } from '../../contract'
import type { Clock, SnapshotSource } from './ports'

/**
 * What the engine does when the SSH connection to a host drops: tell a lost connection from a
 * failed command, then wait (bounded) for main/ssh's `SshConnection` to reconnect and re-discover
 * the host with a fresh snapshot. The runner reconnects on its own with backoff; the engine only
 * retries its fresh read, so nothing here sleeps a fixed time for the host's state.
 */

/**
 * SSH failures that mean the connection to the host was lost (not a command failure):
 * `ssh-connect` (closed by peer, "No response from server", a channel closed without an exit
 * status), `ssh-timeout` (no answer within the command's timeout) and `channel-open-failed`
 * (contract/errors.ts, main/ssh/channels.ts).
 */
export function isConnectionLoss(code: string): boolean {
  return code === 'ssh-connect' || code === 'ssh-timeout' || code === 'channel-open-failed'
}

/** Whether `err` is a `LabError` whose code is a connection loss (see `isConnectionLoss`). */
export function isConnectionLossError(err: unknown): err is LabError {
  return err instanceof LabError && isConnectionLoss(err.code)
}

/** Options of `rediscover`. */
export interface RediscoverOptions {
  /** Longest time to wait for the host to answer again, ms. */
  readonly timeoutMs: number
  readonly signal?: AbortSignal
  /** First pause after a failed read, ms (default 50); doubles up to `maxMs` (default 1000). */
  readonly firstMs?: number
  readonly maxMs?: number
}

/** A successful `rediscover`: the fresh snapshot and how long the host took to answer, ms. */
export interface Rediscovered {
  readonly snapshot: HostSnapshot
  readonly waitedMs: number
}

/**
 * Reads a fresh snapshot, retrying reads that fail with a connection loss (backoff 50 ms → 1 s)
 * until one succeeds or `timeoutMs` has passed; each read is cut off at the deadline.
 *
 * Resolves with the snapshot. Rejects with `aborted` on `signal`, at once with any error that
 * is not a connection loss, and with the last connection-loss error (its code kept, the message
 * saying how long it waited) when the host did not answer within `timeoutMs`.
 */
export async function rediscover(
  source: SnapshotSource,
  clock: Clock,
  options: RediscoverOptions,
): Promise<Rediscovered> {
  const started = clock.now()
  const deadline = new AbortController()
  const timer = setTimeout(() => deadline.abort(), options.timeoutMs)
  const onAbort = (): void => deadline.abort()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  let delay = options.firstMs ?? 50
  let last: LabError | undefined
  try {
    for (;;) {
      if (options.signal?.aborted) throw labError('aborted', 'reconnect wait aborted')
      if (deadline.signal.aborted) throw notBack(last, options.timeoutMs)
      try {
        const snapshot = await source.snapshot({ fresh: true, signal: deadline.signal })
        return { snapshot, waitedMs: clock.now() - started }
      } catch (err) {
        if (options.signal?.aborted) throw labError('aborted', 'reconnect wait aborted')
        if (deadline.signal.aborted) throw notBack(last ?? asLoss(err), options.timeoutMs)
        if (!isConnectionLossError(err)) throw err
        last = err
      }
      await pause(delay, deadline.signal)
      delay = Math.min(delay * 2, options.maxMs ?? 1000)
    }
  } finally {
    clearTimeout(timer)
    options.signal?.removeEventListener('abort', onAbort)
  }
}

function asLoss(err: unknown): LabError | undefined {
  return isConnectionLossError(err) ? err : undefined
}

function notBack(last: LabError | undefined, timeoutMs: number): LabError {
  const why = last ? `: ${last.message}` : ''
  return labError(
    last?.code ?? 'ssh-connect',
    `host did not answer again within ${timeoutMs} ms${why}`,
    { ...(last?.data.host ? { host: last.data.host } : {}) },
    last,
  )
}

/** Resolves after `ms` or as soon as `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve()
      return
    }
    const t = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done(): void {
      clearTimeout(t)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}
