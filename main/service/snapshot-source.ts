import type { HostSnapshot } from '../../contract'
import type { SnapshotSource } from '../engine'
import type { HostWatcher } from '../host/watcher'

/** Adapts a live `HostWatcher` (main/host) to the engine's `SnapshotSource` port. */
export function watcherSource(w: HostWatcher): SnapshotSource {
  return {
    snapshot: async ({ fresh, signal }) =>
      fresh ? w.refresh({ fresh: true, ...(signal ? { signal } : {}) }) : w.current(),
    onChange: (listener) => w.onChange(listener),
    waitFor: (predicate, opts) => waitWithFallback(w, predicate, opts),
  }
}

/**
 * `waitFor` on the watcher's events, plus a polling fallback while it is pending: monitor events
 * can arrive mid-transition (the refresh they trigger may still see the old state) and some
 * changes emit no event at all (an E-Switch mode change with 0 VFs). Polls at 50 ms doubling to
 * 1 s; resolves with the first snapshot that satisfies `predicate`.
 */
export async function waitWithFallback(
  w: HostWatcher,
  predicate: (s: HostSnapshot) => boolean,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<HostSnapshot> {
  const stop = new AbortController()
  const onAbort = (): void => stop.abort()
  opts.signal?.addEventListener('abort', onAbort, { once: true })
  const poll = async (): Promise<void> => {
    for (let delay = 50; !stop.signal.aborted; delay = Math.min(1000, delay * 2)) {
      await new Promise((r) => setTimeout(r, delay))
      if (stop.signal.aborted) return
      await w.refresh({ fresh: true, signal: stop.signal }).catch(() => {})
    }
  }
  void poll()
  try {
    return await w.waitFor(predicate, opts)
  } finally {
    stop.abort()
    opts.signal?.removeEventListener('abort', onAbort)
  }
}
