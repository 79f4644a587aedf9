import { labError } from '../../contract'
import type { HostSnapshot } from '../../contract'
import type { SnapshotSource, WaitOptions } from './ports'

/**
 * A `SnapshotSource` decorator that backs the event-driven `waitFor` with fresh reads: one right
 * away (read-after-write: the command has returned, so its effect may already be visible without
 * any event), then at exponentially growing intervals. It exists because monitors do not report
 * everything: `devlink monitor` has no E-Switch mode event and nothing reports RDMA links, so a
 * mode flip with no VFs or a late IB representor load can produce no event at all (observed
 * against labsim with main/host's watcher). The inner wait still resolves first when events come.
 */

/** Intervals of the fallback reads, ms. */
export interface FreshFallbackOptions {
  /** First interval after the immediate read (default 100). */
  readonly firstMs?: number
  /** Longest interval (default 2000). */
  readonly maxMs?: number
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done(): void {
      clearTimeout(t)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}

async function freshReads(
  source: SnapshotSource,
  predicate: (s: HostSnapshot) => boolean,
  signal: AbortSignal,
  options: FreshFallbackOptions,
): Promise<HostSnapshot> {
  let delay = options.firstMs ?? 100
  for (;;) {
    await pause(delay, signal)
    if (signal.aborted) return new Promise<HostSnapshot>(() => undefined)
    const s = await readFresh(source, predicate, signal)
    if (s) return s
    delay = Math.min(delay * 2, options.maxMs ?? 2000)
  }
}

/** One fresh read; the snapshot when it satisfies `predicate`. Read errors count as "not yet". */
async function readFresh(
  source: SnapshotSource,
  predicate: (s: HostSnapshot) => boolean,
  signal: AbortSignal | undefined,
): Promise<HostSnapshot | undefined> {
  try {
    const s = await source.snapshot({ fresh: true, ...(signal ? { signal } : {}) })
    return predicate(s) ? s : undefined
  } catch {
    // a failed read leaves the decision to the inner wait (its timeout or abort)
    return undefined
  }
}

/** Wraps `source` so `waitFor` also resolves from fresh reads (see the module comment). */
export function withFreshFallback(
  source: SnapshotSource,
  options: FreshFallbackOptions = {},
): SnapshotSource {
  return {
    snapshot: (o) => source.snapshot(o),
    onChange: (listener) => source.onChange(listener),
    async waitFor(predicate: (s: HostSnapshot) => boolean, o: WaitOptions): Promise<HostSnapshot> {
      // Read-after-write first: a cached snapshot from before the command may satisfy a
      // predicate that also held before it (devlink reload keeps mode and driver).
      const now = await readFresh(source, predicate, o.signal)
      if (now) return now
      if (o.signal?.aborted) throw labError('aborted', 'wait aborted')
      const stop = new AbortController()
      const onAbort = (): void => stop.abort()
      o.signal?.addEventListener('abort', onAbort, { once: true })
      try {
        return await Promise.race([
          source.waitFor(predicate, { timeoutMs: o.timeoutMs, signal: stop.signal }),
          freshReads(source, predicate, stop.signal, options),
        ])
      } finally {
        o.signal?.removeEventListener('abort', onAbort)
        stop.abort()
      }
    },
  }
}
