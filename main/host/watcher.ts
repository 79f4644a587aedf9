import { labError } from '../../contract/errors'
import type { HostSnapshot, SnapshotDiff } from '../../contract/snapshot'
import { diffSnapshots } from './diff'
import { lacksPhysAttrs } from './snapshot-build'
import {
  knownEswitchHandles,
  mergeSections,
  readParts,
  snapshotOf,
  type DiscoverOptions,
  type Discovery,
} from './discover'
import { DISCOVERY_PARTS, type DiscoveryPart } from './discovery-script'
import type { MonitorEvent } from './monitor-events'
import type { CommandRunner } from './ports'
import { MonitorFloods } from './monitor-flood'
import { abortedError, openMonitor, raceAbort, waitForSnapshot } from './watcher-parts'

/**
 * The live device model of one host: a snapshot kept current by `devlink -j monitor` and
 * `ip -j monitor link` (DESIGN.md §Host model). Each event schedules a debounced, coalesced,
 * targeted refresh (one round trip); subscribers get `(snapshot, diff)` when something changed.
 * When a monitor stream ends or cannot start, the watcher polls with exponential backoff and
 * retries the stream on every poll.
 */

/** Options of `startHostWatcher`. */
export interface HostWatcherOptions extends Omit<DiscoverOptions, 'signal'> {
  /** Coalescing window after an event before refreshing, ms (default 15). */
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
}

/** Listener of snapshot changes. */
export type ChangeListener = (snapshot: HostSnapshot, diff: SnapshotDiff) => void

/** A running watcher; `close()` is its only disposer. */
export interface HostWatcher {
  /** The latest snapshot. */
  current(): HostSnapshot
  /** Re-reads the host now (`fresh`: everything, else the parts events marked dirty). */
  refresh(options?: { fresh?: boolean; signal?: AbortSignal }): Promise<HostSnapshot>
  onChange(listener: ChangeListener): () => void
  /**
   * Resolves with the first snapshot (current or later) satisfying `predicate`. Rejects with
   * `timeout` after `timeoutMs`, `aborted` on `signal`/`close()`, or what the predicate throws.
   */
  waitFor(
    predicate: (snapshot: HostSnapshot) => boolean,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<HostSnapshot>
  /** Whether each monitor stream is currently open. */
  monitorState(): { devlink: boolean; ip: boolean }
  close(): void
}

interface Waiter {
  resolve(s: HostSnapshot): void
  reject(e: unknown): void
}

/**
 * Starts monitors, then runs the initial full discovery. Rejects with the runner's errors if the
 * initial discovery fails (and then leaves nothing running).
 */
export async function startHostWatcher(
  runner: CommandRunner,
  opts: HostWatcherOptions,
): Promise<HostWatcher> {
  const w = new WatcherCore(runner, opts)
  try {
    await w.start()
  } catch (err) {
    w.close()
    throw err
  }
  return w.api()
}

class WatcherCore {
  private discovery: Discovery | null = null
  private readonly ac = new AbortController()
  private readonly listeners = new Set<ChangeListener>()
  private readonly snapshotListeners = new Set<(s: HostSnapshot) => void>()
  private pending = new Set<DiscoveryPart>()
  /** Pending parts an event wants first (`MonitorEvent.urgent`). */
  private readonly urgent = new Set<DiscoveryPart>()
  private waiters: Waiter[] = []
  private inflight = 0
  private seq = 0
  /** Per part, the sequence number of the newest refresh whose result was merged. */
  private readonly appliedSeq = new Map<DiscoveryPart, number>()
  private debounce: ReturnType<typeof setTimeout> | null = null
  private poll: ReturnType<typeof setTimeout> | null = null
  private pollDelay: number
  private readonly up = { devlink: false, ip: false }
  /** Monitors cut for a flood (monitor-flood.ts): shown as snapshot errors until they recover. */
  private readonly floods = new MonitorFloods()
  private closed = false
  private netdevPhys: boolean
  /** A fast stage read E-Switches by handle; the next `pci` stage also walks for new ones. */
  private eswitchWalkDue = false
  /** Number of refreshes that changed something (drives the polling backoff). */
  private changes = 0

  constructor(
    private readonly runner: CommandRunner,
    private readonly opts: HostWatcherOptions,
  ) {
    this.pollDelay = opts.pollMinMs ?? 1000
    this.netdevPhys = opts.netdevPhys === true
  }

  async start(): Promise<void> {
    if (this.opts.monitors !== false) {
      this.startMonitor('devlink')
      this.startMonitor('ip')
    } else this.schedulePoll()
    await this.request(DISCOVERY_PARTS)
  }

  api(): HostWatcher {
    return {
      current: () => this.snapshot(),
      refresh: (o) => this.refresh(o),
      onChange: (l) => {
        this.listeners.add(l)
        return () => this.listeners.delete(l)
      },
      waitFor: (p, o) => this.waitFor(p, o),
      monitorState: () => ({ ...this.up }),
      close: () => this.close(),
    }
  }

  private snapshot(): HostSnapshot {
    if (this.discovery === null) throw labError('internal', 'watcher has no snapshot yet')
    return this.discovery.snapshot
  }

  private refresh(o: { fresh?: boolean; signal?: AbortSignal } = {}): Promise<HostSnapshot> {
    const parts = o.fresh === true || this.pending.size === 0 ? DISCOVERY_PARTS : [...this.pending]
    const p = this.request(parts)
    if (o.signal === undefined) return p
    return raceAbort(p, o.signal, this.opts.hostName)
  }

  /** Queues `parts`; resolves with the snapshot of a refresh that starts after this call. */
  private request(parts: readonly DiscoveryPart[]): Promise<HostSnapshot> {
    if (this.closed) return Promise.reject(abortedError(this.opts.hostName))
    for (const p of parts) this.pending.add(p)
    if (this.pending.size === 0 && this.inflight === 0 && this.discovery !== null) {
      return Promise.resolve(this.discovery.snapshot)
    }
    const done = new Promise<HostSnapshot>((resolve, reject) => {
      this.waiters.push({ resolve, reject })
    })
    this.pump()
    return done
  }

  /**
   * Starts refreshes while something is pending. Event-driven refreshes run in two stages so the
   * UI sees modes/ports/netdevs fast: first the parts the events marked urgent (link events:
   * ip + known E-Switches; port/dev events: devlink, eswitch, rdma, ip), then the rest and the sysfs walk (pci: one readlink pair per VF). A fast stage may start while another
   * refresh is in flight (at most two); results merge onto whatever is current when they land,
   * and an older run never overwrites a part a newer run already delivered.
   */
  private pump(): void {
    while (this.pending.size > 0 && !this.closed) {
      const all = this.pending.size === DISCOVERY_PARTS.length
      const fast = !all && [...this.pending].some((p) => this.urgent.has(p))
      if (this.inflight >= (fast ? 2 : 1)) return
      const parts = this.nextStage()
      const waiters = this.pending.size === 0 ? this.waiters.splice(0) : []
      this.inflight++
      this.runRefresh(parts, ++this.seq)
        .then(
          (snap) => waiters.forEach((w) => w.resolve(snap)),
          (err: unknown) => {
            for (const w of [...waiters, ...this.waiters.splice(0)]) w.reject(err)
            this.pending.clear()
          },
        )
        .finally(() => {
          this.inflight--
          this.pump()
          this.settleStranded()
        })
    }
  }

  /** Debounce requests add no parts of their own: answer them once everything has landed. */
  private settleStranded(): void {
    if (this.pending.size > 0 || this.inflight > 0) return
    const snap = this.discovery?.snapshot
    for (const w of this.waiters.splice(0)) {
      if (snap === undefined || this.closed) w.reject(abortedError(this.opts.hostName))
      else w.resolve(snap)
    }
  }

  /**
   * Takes the parts of the next refresh out of `pending`. The fast stage reads the known
   * E-Switches directly by handle; the slow stage (with `pci`) walks sysfs for new ones.
   */
  private nextStage(): DiscoveryPart[] {
    const all = [...this.pending]
    const fast = all.filter((p) => this.urgent.has(p))
    const parts = all.length === DISCOVERY_PARTS.length || fast.length === 0 ? all : fast
    for (const p of parts) {
      this.pending.delete(p)
      this.urgent.delete(p)
    }
    if (parts.includes('eswitch') && !parts.includes('pci')) {
      this.eswitchWalkDue = true
      this.pending.add('pci')
    } else if (parts.includes('pci') && this.eswitchWalkDue) {
      this.eswitchWalkDue = false
      if (!parts.includes('eswitch')) parts.push('eswitch')
    }
    return parts
  }

  private async runRefresh(parts: readonly DiscoveryPart[], seq: number): Promise<HostSnapshot> {
    const start = this.discovery
    const direct = start !== null && parts.includes('eswitch') && !parts.includes('pci')
    const opts = {
      ...this.opts,
      signal: this.ac.signal,
      ...(direct ? { eswitchHandles: knownEswitchHandles(start.sections) } : {}),
    }
    const read = await readParts(this.runner, { ...opts, netdevPhys: this.netdevPhys }, parts)
    const fresh = parts.filter((p) => (this.appliedSeq.get(p) ?? 0) < seq)
    for (const p of fresh) this.appliedSeq.set(p, seq)
    const prev = this.discovery
    const sections =
      prev === null ? read.sections : mergeSections(prev.sections, read.sections, fresh)
    const next = this.floods.mark(snapshotOf(sections, this.opts, read.stats))
    // Old iproute2 without phys attrs in `ip -d`: read them from sysfs from now on.
    if (!this.netdevPhys && lacksPhysAttrs(sections)) this.netdevPhys = true
    this.discovery = next
    if (prev !== null) this.publish(prev.snapshot, next.snapshot)
    for (const l of [...this.snapshotListeners]) safeCall(() => l(next.snapshot))
    return next.snapshot
  }

  private publish(before: HostSnapshot, after: HostSnapshot): void {
    const diff = diffSnapshots(before, after)
    if (diff.changes.length === 0) return
    this.changes++
    this.pollDelay = this.opts.pollMinMs ?? 1000
    for (const l of [...this.listeners]) safeCall(() => l(after, diff))
  }

  private schedule(parts: readonly DiscoveryPart[], urgent: readonly DiscoveryPart[]): void {
    if (this.closed || parts.length === 0) return
    for (const p of parts) this.pending.add(p)
    for (const p of urgent) this.urgent.add(p)
    if (this.debounce !== null) return
    this.debounce = setTimeout(() => {
      this.debounce = null
      this.request([]).catch(() => undefined)
    }, this.opts.debounceMs ?? 15)
  }

  private startMonitor(kind: 'devlink' | 'ip'): void {
    if (this.closed || this.up[kind]) return
    const command =
      kind === 'devlink'
        ? (this.opts.devlinkMonitor ?? 'devlink -j monitor')
        : (this.opts.ipMonitor ?? 'ip -j monitor link')
    this.up[kind] = openMonitor(
      this.runner,
      kind,
      command,
      this.ac.signal,
      {
        onEvent: (e) => {
          if (this.floods.recovered(kind)) this.publishMark()
          this.opts.onEvent?.(e)
          this.schedule(e.parts, e.urgent)
        },
        onDown: () => this.monitorDown(kind),
        onOverflow: (held, head) => {
          this.floods.cut(kind, command, held, head, this.opts.hostName)
          this.opts.onMonitorOverflow?.(kind, held)
          this.publishMark()
        },
      },
      this.opts.maxMonitorValueChars,
    )
    if (!this.up[kind]) this.monitorDown(kind)
  }

  /**
   * Republishes the current snapshot with the monitors' flood marks (no host read). Errors are
   * not part of a diff, so listeners are told with an empty one.
   */
  private publishMark(): void {
    const prev = this.discovery
    if (prev === null) return
    const next = this.floods.mark(prev)
    this.discovery = next
    const diff = diffSnapshots(prev.snapshot, next.snapshot)
    for (const l of [...this.listeners]) safeCall(() => l(next.snapshot, diff))
    for (const l of [...this.snapshotListeners]) safeCall(() => l(next.snapshot))
  }

  private monitorDown(kind: 'devlink' | 'ip'): void {
    this.up[kind] = false
    if (!this.closed) this.schedulePoll()
  }

  private schedulePoll(): void {
    if (this.poll !== null || this.closed) return
    this.poll = setTimeout(() => {
      this.poll = null
      const changesBefore = this.changes
      void this.request(DISCOVERY_PARTS)
        .catch(() => undefined)
        .then(() => {
          if (this.changes === changesBefore) this.backoff()
          if (this.opts.monitors !== false) {
            this.startMonitor('devlink')
            this.startMonitor('ip')
          }
          if (this.opts.monitors === false || !this.up.devlink || !this.up.ip) this.schedulePoll()
        })
    }, this.pollDelay)
  }

  private backoff(): void {
    this.pollDelay = Math.min(this.pollDelay * 2, this.opts.pollMaxMs ?? 30_000)
  }

  private waitFor(
    predicate: (s: HostSnapshot) => boolean,
    o: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<HostSnapshot> {
    return waitForSnapshot({
      predicate,
      ...o,
      host: this.opts.hostName,
      closed: this.ac.signal,
      current: () => this.discovery?.snapshot,
      subscribe: (check) => {
        this.snapshotListeners.add(check)
        return () => this.snapshotListeners.delete(check)
      },
    })
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    if (this.debounce !== null) clearTimeout(this.debounce)
    if (this.poll !== null) clearTimeout(this.poll)
    this.ac.abort()
    for (const w of this.waiters.splice(0)) w.reject(abortedError(this.opts.hostName))
    this.listeners.clear()
  }
}

function safeCall(f: () => void): void {
  try {
    f()
  } catch {
    // A listener's failure must not stop the others or the watcher.
  }
}
