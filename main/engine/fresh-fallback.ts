import { LabError, labError } from '../../contract'
import type { HostSnapshot } from '../../contract'
import type { SnapshotSource, WaitOptions } from './ports'
import { isConnectionLossError, pause } from './reconnect'

/**
 * A `SnapshotSource` decorator that backs the event-driven `waitFor` with fresh reads: one right
 * away (read-after-write: the command has returned, so its effect may already be visible without
 * any event), then at exponentially growing intervals. It exists because monitors do not report
 * everything: `devlink monitor` has no E-Switch mode event and nothing reports RDMA links, so a
 * mode flip with no VFs or a late IB representor load can produce no event at all (observed
 * against labsim with main/host's watcher). The inner wait still resolves first when events come.
 * A wait that times out while the fresh reads were failing with a lost SSH connection rejects
 * with that connection error instead of `timeout`: the change was not missing, it was unobservable.
 */

/** Intervals of the fallback reads, ms. */
export interface FreshFallbackOptions {
  /** First interval after the immediate read (default 100). */
  readonly firstMs?: number
  /** Longest interval (default 2000). */
  readonly maxMs?: number
}

/** The outcome of the latest fresh read: the connection error it failed with, if any. */
interface ReadState {
  lost: LabError | undefined
}

async function freshReads(
  source: SnapshotSource,
  predicate: (s: HostSnapshot) => boolean,
  signal: AbortSignal,
  options: FreshFallbackOptions,
  state: ReadState,
): Promise<HostSnapshot> {
  let delay = options.firstMs ?? 100
  for (;;) {
    await pause(delay, signal)
    if (signal.aborted) return new Promise<HostSnapshot>(() => undefined)
    const s = await readFresh(source, predicate, signal, state)
    if (s) return s
    delay = Math.min(delay * 2, options.maxMs ?? 2000)
  }
}

/**
 * One fresh read; the snapshot when it satisfies `predicate`. Read errors count as "not yet"
 * (the inner wait's timeout or abort decides); `state.lost` keeps a connection loss until a
 * read succeeds again.
 */
async function readFresh(
  source: SnapshotSource,
  predicate: (s: HostSnapshot) => boolean,
  signal: AbortSignal | undefined,
  state: ReadState,
): Promise<HostSnapshot | undefined> {
  try {
    const s = await source.snapshot({ fresh: true, ...(signal ? { signal } : {}) })
    state.lost = undefined
    return predicate(s) ? s : undefined
  } catch (err) {
    if (isConnectionLossError(err)) state.lost = err
    else if (!signal?.aborted) state.lost = undefined
    return undefined
  }
}

/**
 * A `timeout` while the host was unreachable becomes the connection error `lost` (module
 * comment): `connection lost while waiting (<timeoutMs> ms): <lost.message>`, with its code and
 * host. Any other error, or no loss, comes back unchanged.
 */
export function lostWhileWaiting(
  err: unknown,
  lost: LabError | undefined,
  timeoutMs: number,
): unknown {
  if (!(err instanceof LabError) || err.code !== 'timeout' || !lost) return err
  return labError(
    lost.code,
    `connection lost while waiting (${timeoutMs} ms): ${lost.message}`,
    { ...(lost.data.host ? { host: lost.data.host } : {}) },
    lost,
  )
}

/** Wraps `source` so `waitFor` also resolves from fresh reads (see the module comment). */
export function withFreshFallback(
  source: SnapshotSource,
  options: FreshFallbackOptions = {},
): SnapshotSource {
  return {
    snapshot: (o) => source.snapshot(o),
    onChange: (listener) => source.onChange(listener),
    ...(source.prepareRead ? { prepareRead: source.prepareRead.bind(source) } : {}),
    async waitFor(predicate: (s: HostSnapshot) => boolean, o: WaitOptions): Promise<HostSnapshot> {
      // Read-after-write first: a cached snapshot from before the command may satisfy a
      // predicate that also held before it (devlink reload keeps mode and driver).
      const state: ReadState = { lost: undefined }
      const now = await readFresh(source, predicate, o.signal, state)
      if (now) return now
      if (o.signal?.aborted) throw labError('aborted', 'wait aborted')
      const stop = new AbortController()
      const onAbort = (): void => stop.abort()
      o.signal?.addEventListener('abort', onAbort, { once: true })
      try {
        return await Promise.race([
          source.waitFor(predicate, { timeoutMs: o.timeoutMs, signal: stop.signal }),
          freshReads(source, predicate, stop.signal, options, state),
        ])
      } catch (err) {
        throw lostWhileWaiting(err, state.lost, o.timeoutMs)
      } finally {
        o.signal?.removeEventListener('abort', onAbort)
        stop.abort()
      }
    },
  }
}
