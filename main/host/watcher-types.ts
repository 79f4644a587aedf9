import type { HostSnapshot, SnapshotDiff } from '../../contract/snapshot'
import type { DiscoverOptions } from './discover'
import type { DiscoveryPart } from './discovery-script'
import type { MonitorEvent } from './monitor-events'
import type { ReadAfter } from './ports'

/** The public shapes of the host watcher (watcher.ts). */

/** How long one refresh took, by phase (ms, `performance.now()` differences). */
export interface RefreshTiming {
  readonly seq: number
  readonly parts: readonly DiscoveryPart[]
  /** Known E-Switches and SR-IOV functions were read by path (an event's fast stage). */
  readonly direct: boolean
  /** When the refresh started (`performance.now()`). */
  readonly startedAt: number
  /** The remote read: script, transfer and the host's work. */
  readonly readMs: number
  /** Parse, merge and snapshot build. */
  readonly buildMs: number
  readonly diffMs: number
  /** Listeners (`onChange`, the front doors' pushes) and waiters. */
  readonly notifyMs: number
  /** Number of changes the diff found. */
  readonly changes: number
}

/** Options of `startHostWatcher`. */
export interface HostWatcherOptions extends Omit<DiscoverOptions, 'signal'> {
  /**
   * Coalescing window after an event before refreshing, ms (default 0: the refresh starts once
   * the events already received are handled).
   */
  readonly debounceMs?: number
  /** First polling interval while a monitor is down, ms (default 1000); doubles when idle. */
  readonly pollMinMs?: number
  /** Longest polling interval, ms (default 30000). */
  readonly pollMaxMs?: number
  /** Start the monitor streams (default true); false = polling only. */
  readonly monitors?: boolean
  /** Monitor commands (defaults `devlink -j monitor`, `ip -j monitor link`). */
  readonly devlinkMonitor?: string
  readonly ipMonitor?: string
  /** Called for every decoded monitor event (logging, tests). */
  readonly onEvent?: (event: MonitorEvent) => void
  /** Largest unfinished monitor value held, in characters (json-splitter.ts; default 4 MiB). */
  readonly maxMonitorValueChars?: number
  /** Called when a monitor stream was cut for an oversized value (logging, tests). */
  readonly onMonitorOverflow?: (kind: 'devlink' | 'ip', heldChars: number) => void
  /** Called when a monitor stream was cut for output it could not decode (logging, tests). */
  readonly onMonitorUnknown?: (kind: 'devlink' | 'ip', text: string) => void
  /** Called after every refresh with its phases (the bench's change split). */
  readonly onRefresh?: (timing: RefreshTiming) => void
}

/** Listener of snapshot changes. */
export type ChangeListener = (snapshot: HostSnapshot, diff: SnapshotDiff) => void

/** A running watcher; `close()` is its only disposer. */
export interface HostWatcher {
  /** The latest snapshot. */
  current(): HostSnapshot
  /**
   * Re-reads the host now: `fresh` everything (one full discovery), `parts` only those (known
   * devices by path, one small round trip), else the parts events marked dirty. Resolves with a
   * snapshot in which every asked part was read after this call. `parts: []` reads nothing while
   * both monitors run (the snapshot once the refreshes their events started have landed) and
   * everything when one is down (polling cannot vouch for the cache).
   */
  refresh(options?: RefreshOptions): Promise<HostSnapshot>
  onChange(listener: ChangeListener): () => void
  /**
   * Resolves with the first snapshot (current or later) satisfying `predicate`. Rejects with
   * `timeout` after `timeoutMs`, `aborted` on `signal`/`close()`, or what the predicate throws.
   */
  waitFor(
    predicate: (snapshot: HostSnapshot) => boolean,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<HostSnapshot>
  /**
   * A targeted read of `parts` (known devices by path) for the caller to run in its own exec
   * after a command (`ExecOptions.readAfter`, read-after.ts); `land` merges what it printed as a
   * refresh started at this call would be, publishes the diff and resolves waiters. Until it
   * lands or is released, the watcher's own refreshes wait (at most read-hold.ts
   * `READ_HOLD_GRACE_MS` each). Undefined before the first discovery, after `close()`, or for no
   * parts.
   */
  prepareRead(parts: readonly DiscoveryPart[]): PreparedRead | undefined
  /** Whether each monitor stream is currently open. */
  monitorState(): { devlink: boolean; ip: boolean }
  close(): void
}

/** See `HostWatcher.prepareRead`. */
export interface PreparedRead {
  readonly read: ReadAfter
  /**
   * Merges the read's stdout (`ExecResult.after`, `durationMs` its wall time) and returns the
   * snapshot. Throws `aborted` once the watcher closed.
   */
  land(stdout: string, durationMs: number): HostSnapshot
  /**
   * The read will not land (the exec failed, or the command ended the shell): the watcher's held
   * refreshes go at once instead of at the end of their grace. Idempotent; `land` releases too.
   */
  release(): void
}

/** Options of `HostWatcher.refresh`. */
export interface RefreshOptions {
  readonly fresh?: boolean
  readonly parts?: readonly DiscoveryPart[]
  readonly signal?: AbortSignal
}
