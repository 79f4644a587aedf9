import type { AuditEntry, HostSnapshot, SnapshotDiff } from '../../contract'
import type { DiscoveryPart } from '../host/discovery-script'
import type { CommandRunner } from '../host/ports'
import type { PreparedRead } from '../host/watcher-types'

/**
 * The ports of the engine: everything it does to the world goes through these interfaces
 * (docs/style.md §3.3 rule 5, functional core / imperative shell). main/ssh and main/host implement
 * the runner and the snapshot source; main/store/journal-store.ts implements the journal store.
 */

export type {
  CommandRunner,
  ExecOptions,
  ExecResult,
  ReadAfter,
  StreamOptions,
} from '../host/ports'
export type { PreparedRead } from '../host/watcher-types'

/**
 * Options of one snapshot read. `fresh` forces a new discovery round instead of the cache; with
 * `parts` only those discovery parts are read (one small round trip: what an operation's
 * expectation needs), the rest coming from the event-driven cache; `parts: []` reads nothing
 * while the source's monitors cover the host (its snapshot once the events it has seen were
 * read) and everything when they do not. A source may always read more than asked.
 */
export interface SnapshotOptions {
  readonly fresh: boolean
  readonly parts?: readonly DiscoveryPart[]
  readonly signal?: AbortSignal
}

/** Options of an event-driven wait; `timeoutMs` is required (ms). */
export interface WaitOptions {
  readonly timeoutMs: number
  readonly signal?: AbortSignal
}

/**
 * Live view of one host (main/host's watcher implements it).
 *
 * `waitFor` resolves with the first snapshot (the current one included) for which `predicate`
 * holds; it is driven by monitor events and snapshot diffs, polling only as a fallback inside the
 * source. It rejects with a `LabError` `timeout` after `timeoutMs`, or `aborted` on the signal.
 * The engine never sleeps a fixed time: every wait goes through here.
 */
export interface SnapshotSource {
  snapshot(options: SnapshotOptions): Promise<HostSnapshot>
  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: (snapshot: HostSnapshot, diff: SnapshotDiff) => void): () => void
  waitFor(
    predicate: (snapshot: HostSnapshot) => boolean,
    options: WaitOptions,
  ): Promise<HostSnapshot>
  /**
   * A fresh read of `parts` for the caller to run after its command in the same exec
   * (`ExecOptions.readAfter`), landed into this source with `land` (main/host watcher.ts
   * `prepareRead`). Optional: a source without it, or answering undefined, is read separately.
   */
  prepareRead?(parts: readonly DiscoveryPart[]): PreparedRead | undefined
}

/**
 * Durable storage of run journals and report files.
 *
 * `append` writes one JSON line to `<dataDir>/runs/<runId>.jsonl` and fsyncs before it resolves.
 * `writeArtifact` writes a report atomically (temp file + fsync + rename) and resolves with its
 * path. Failures reject with a `LabError` `io-error` (a full disk included); nothing partial is
 * left looking complete.
 */
export interface JournalStore {
  append(runId: string, line: string): Promise<void>
  /** Run ids present in the store, oldest first. */
  listRuns(): Promise<string[]>
  /** The lines of one run; rejects with `not-found` for an unknown run. A torn last line is dropped. */
  readRun(runId: string): Promise<string[]>
  writeArtifact(runId: string, name: string, content: string): Promise<string>
}

/**
 * The append-only audit trail (`<dataDir>/audit.jsonl`, main/service/audit-log.ts). `append`
 * resolves once the entry is durable; rejects with `io-error`.
 */
export interface AuditStore {
  append(entry: AuditEntry): Promise<void>
}

/** Wall clock, injectable for tests. `now()` is ms since the epoch. */
export interface Clock {
  now(): number
}

/** Who this console is, for the remote advisory lock owner line (`<user> from <host>`). */
export interface ConsoleIdentity {
  readonly user: string
  readonly host: string
}

/** The system clock. */
export const systemClock: Clock = { now: () => Date.now() }

/** Everything an operation or drill needs to reach one host. */
export interface HostPorts {
  readonly hostId: string
  readonly runner: CommandRunner
  readonly source: SnapshotSource
  readonly clock: Clock
}
