import type { SnapshotSource } from '../engine'
import type { HostWatcher } from '../host/watcher'

/** Adapts a live `HostWatcher` (main/host) to the engine's `SnapshotSource` port. */
export function watcherSource(w: HostWatcher): SnapshotSource {
  return {
    snapshot: async ({ fresh, parts, signal }) =>
      fresh
        ? w.refresh({ ...(parts ? { parts } : { fresh: true }), ...(signal ? { signal } : {}) })
        : w.current(),
    onChange: (listener) => w.onChange(listener),
    // The engine wraps every source with fresh reads racing the events (createEngine's
    // freshFallback): a mode change with no VFs emits no devlink event at all.
    waitFor: (predicate, opts) => w.waitFor(predicate, opts),
    prepareRead: (parts) => w.prepareRead(parts),
  }
}
