import { labError } from '../../contract/errors'
import type { HostSnapshot, SnapshotDiff } from '../../contract/snapshot'
import { diffSnapshots } from './diff'
import { lacksPhysAttrs } from './snapshot-build'
import {
  knownEswitchHandles,
  knownPciFunctions,
  mergeSections,
  prepareParts,
  readParts,
  snapshotOf,
  type Discovery,
  type PartsRead,
} from './discover'
import { DISCOVERY_PARTS, type DiscoveryPart } from './discovery-script'
import type { MonitorEvent } from './monitor-events'
import type { CommandRunner } from './ports'
import { MonitorFloods } from './monitor-flood'
import { abortedError, openMonitor, raceAbort, waitForSnapshot } from './watcher-parts'
import { ReadHold } from './read-hold'
import { RefreshQueue, type Stage } from './watcher-queue'
import type {
  ChangeListener,
  HostWatcher,
  HostWatcherOptions,
  PreparedRead,
  RefreshOptions,
} from './watcher-types'

export type {
  ChangeListener,
  HostWatcher,
  HostWatcherOptions,
  PreparedRead,
  RefreshOptions,
  RefreshTiming,
} from './watcher-types'

/**
 * The live device model of one host: a snapshot kept current by `devlink -j monitor` and
 * `ip -j monitor link` (docs/design.md §Host model). An event starts a targeted refresh (one round
 * trip) at once — events that arrive with it or while it runs are coalesced into the next one —
 * reading first the parts the event names as urgent, the known E-Switches and SR-IOV functions
 * by path (no sysfs walk), then the rest; subscribers get `(snapshot, diff)` when something
 * changed. `refresh({parts})` is the same targeted read on demand (the engine's wait after an
 * operation). When a monitor stream ends, cannot start or prints what nobody decodes, the
 * watcher polls with exponential backoff and retries the stream on every poll.
 */

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
  private readonly queue = new RefreshQueue()
  /** Refreshes wait for an operation's verifying read in flight (read-hold.ts). */
  private readonly hold = new ReadHold(() => this.pump())
  private inflight = 0
  /** Callers of `landedAll` (a targeted refresh with no parts). */
  private readonly drains: Array<{ resolve(s: HostSnapshot): void; reject(e: unknown): void }> = []
  /** Per part, the sequence number of the newest refresh whose result was merged. */
  private readonly appliedSeq = new Map<DiscoveryPart, number>()
  private kick: { cancel(): void } | null = null
  private poll: ReturnType<typeof setTimeout> | null = null
  private pollDelay: number
  private readonly up = { devlink: false, ip: false }
  /** Monitors cut for a flood (monitor-flood.ts): shown as snapshot errors until they recover. */
  private readonly floods = new MonitorFloods()
  private closed = false
  private netdevPhys: boolean
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
    await this.request(DISCOVERY_PARTS, false)
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
      prepareRead: (parts) => this.prepareRead(parts),
      monitorState: () => ({ ...this.up }),
      close: () => this.close(),
    }
  }

  private snapshot(): HostSnapshot {
    if (this.discovery === null) throw labError('internal', 'watcher has no snapshot yet')
    return this.discovery.snapshot
  }

  private refresh(o: RefreshOptions = {}): Promise<HostSnapshot> {
    const p = this.refreshed(o)
    if (o.signal === undefined) return p
    return raceAbort(p, o.signal, this.opts.hostName)
  }

  private refreshed(o: RefreshOptions): Promise<HostSnapshot> {
    if (o.fresh === true) return this.request(DISCOVERY_PARTS, false)
    if (o.parts === undefined) {
      return this.request(this.queue.idle ? DISCOVERY_PARTS : this.queue.parts(), false)
    }
    if (o.parts.length > 0) return this.request(o.parts, true)
    // `parts: []`: nothing to read when the monitors cover the host, else everything.
    if (!this.up.devlink || !this.up.ip) return this.request(DISCOVERY_PARTS, false)
    return this.landedAll()
  }

  /** The snapshot once every refresh pending or in flight now has landed. */
  private landedAll(): Promise<HostSnapshot> {
    if (this.closed) return Promise.reject(abortedError(this.opts.hostName))
    if (this.queue.idle && this.inflight === 0 && this.discovery !== null) {
      return Promise.resolve(this.discovery.snapshot)
    }
    return new Promise((resolve, reject) => this.drains.push({ resolve, reject }))
  }

  /**
   * Queues `parts` (read first when `urgent`); resolves with the snapshot once each of them was
   * read by a refresh that started after this call.
   */
  private request(parts: readonly DiscoveryPart[], urgent: boolean): Promise<HostSnapshot> {
    if (this.closed) return Promise.reject(abortedError(this.opts.hostName))
    if (parts.length === 0 && this.discovery !== null) {
      return Promise.resolve(this.discovery.snapshot)
    }
    const done = this.queue.wait(parts, urgent)
    this.pump()
    return done
  }

  /**
   * Starts refreshes while something is pending. The urgent parts go first, as a stage of their
   * own that reads the known E-Switches and SR-IOV functions by path, so the UI and the engine
   * see modes, VF counts, ports and netdevs after one small round trip; then the rest, with the
   * sysfs walk for new devices when an event asked for it. A fast stage may start while another
   * refresh is in flight (at most two); results merge onto whatever is current when they land,
   * and an older run never overwrites a part a newer run already delivered.
   */
  private pump(): void {
    while (!this.queue.idle && !this.closed) {
      if (this.inflight >= (this.queue.fast ? 2 : 1)) return
      if (this.hold.holding()) return
      const stage = this.queue.next(this.discovery !== null)
      this.inflight++
      this.runRefresh(stage)
        .then(
          (snap) => this.queue.landed(stage, snap),
          (err: unknown) => this.queue.fail(err),
        )
        .finally(() => {
          this.inflight--
          this.pump()
          this.drained()
        })
    }
  }

  /** Answers `landedAll` callers once nothing is pending or in flight. */
  private drained(): void {
    if (!this.queue.idle || this.inflight > 0) return
    const snap = this.discovery?.snapshot
    for (const d of this.drains.splice(0)) {
      if (snap === undefined || this.closed) d.reject(abortedError(this.opts.hostName))
      else d.resolve(snap)
    }
  }

  /** Read options of a stage: known devices by path when `direct` and a discovery exists. */
  private readOptions(direct: boolean): Omit<HostWatcherOptions, 'signal'> {
    const start = this.discovery
    const byPath =
      direct && start !== null
        ? {
            eswitchHandles: knownEswitchHandles(start.sections),
            pciFunctions: knownPciFunctions(start.sections),
          }
        : {}
    return { ...this.opts, ...byPath, netdevPhys: this.netdevPhys }
  }

  private async runRefresh(stage: Stage): Promise<HostSnapshot> {
    const opts = { ...this.readOptions(stage.direct), signal: this.ac.signal }
    const t0 = performance.now()
    const read = await readParts(this.runner, opts, stage.parts)
    return this.land(stage, read, t0)
  }

  /**
   * A targeted read of `parts` run by the caller after its command (see `HostWatcher.prepareRead`):
   * numbered as a refresh starting now, landed like one; the watcher's own refreshes wait for it
   * (read-hold.ts) until it lands or is released.
   */
  private prepareRead(parts: readonly DiscoveryPart[]): PreparedRead | undefined {
    if (this.discovery === null || this.closed || parts.length === 0) return undefined
    const stage: Stage = { parts: [...parts], direct: true, seq: this.queue.claim() }
    const prepared = prepareParts(this.readOptions(true), parts)
    const t0 = performance.now()
    const release = this.hold.take()
    return {
      read: prepared.read,
      land: (stdout, durationMs) => {
        if (this.closed) throw abortedError(this.opts.hostName)
        const snap = this.land(stage, prepared.parse(stdout, durationMs), t0)
        this.queue.landed(stage, snap)
        release()
        return snap
      },
      release,
    }
  }

  /** Merges a read of `stage` onto the current snapshot, publishes the diff, reports timings. */
  private land({ parts, seq, direct }: Stage, read: PartsRead, t0: number): HostSnapshot {
    const t1 = performance.now()
    const fresh = parts.filter((p) => (this.appliedSeq.get(p) ?? 0) < seq)
    for (const p of fresh) this.appliedSeq.set(p, seq)
    const prev = this.discovery
    const sections =
      prev === null ? read.sections : mergeSections(prev.sections, read.sections, fresh)
    const next = this.floods.mark(snapshotOf(sections, this.opts, read.stats))
    // Old iproute2 without phys attrs in `ip -d`: read them from sysfs from now on.
    if (!this.netdevPhys && lacksPhysAttrs(sections)) this.netdevPhys = true
    this.discovery = next
    const t2 = performance.now()
    const diff = prev === null ? null : diffSnapshots(prev.snapshot, next.snapshot)
    const t3 = performance.now()
    if (diff !== null && diff.changes.length > 0) this.publish(next.snapshot, diff)
    for (const l of [...this.snapshotListeners]) safeCall(() => l(next.snapshot))
    const timing = { seq, parts, direct, startedAt: t0, readMs: t1 - t0, buildMs: t2 - t1 }
    const notifyMs = performance.now() - t3
    const changes = diff?.changes.length ?? 0
    this.opts.onRefresh?.({ ...timing, diffMs: t3 - t2, notifyMs, changes })
    return next.snapshot
  }

  private publish(after: HostSnapshot, diff: SnapshotDiff): void {
    this.changes++
    this.pollDelay = this.opts.pollMinMs ?? 1000
    for (const l of [...this.listeners]) safeCall(() => l(after, diff))
  }

  /** An event: mark its parts dirty and start a refresh once the events at hand are handled. */
  private schedule(e: MonitorEvent): void {
    if (this.closed || e.parts.length === 0) return
    this.queue.event(e.parts, e.urgent, e.walk)
    if (this.kick !== null) return
    const fire = (): void => {
      this.kick = null
      this.pump()
    }
    const ms = this.opts.debounceMs ?? 0
    if (ms > 0) {
      const t = setTimeout(fire, ms)
      this.kick = { cancel: () => clearTimeout(t) }
    } else {
      const t = setImmediate(fire)
      this.kick = { cancel: () => clearImmediate(t) }
    }
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
          this.schedule(e)
        },
        onDown: () => this.monitorDown(kind),
        onOverflow: (held, head) => {
          this.floods.cut(kind, command, held, head, this.opts.hostName)
          this.opts.onMonitorOverflow?.(kind, held)
          this.publishMark()
        },
        onUnknown: (text) => {
          this.floods.undecoded(kind, command, text, this.opts.hostName)
          this.opts.onMonitorUnknown?.(kind, text)
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
      void this.request(DISCOVERY_PARTS, false)
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
    this.kick?.cancel()
    this.hold.clear()
    if (this.poll !== null) clearTimeout(this.poll)
    this.ac.abort()
    this.queue.fail(abortedError(this.opts.hostName))
    for (const d of this.drains.splice(0)) d.reject(abortedError(this.opts.hostName))
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
