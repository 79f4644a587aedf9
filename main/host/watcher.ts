import { labError } from '../../contract/errors'
import type { HostSnapshot, SnapshotDiff } from '../../contract/snapshot'
import { diffSnapshots } from './diff'
import {
  discoverWithSections,
  knownEswitchHandles,
  refreshParts,
  type DiscoverOptions,
  type Discovery,
} from './discover'
import { DISCOVERY_PARTS, type DiscoveryPart } from './discovery-script'
import { createJsonSplitter } from './json-splitter'
import { damagedDevlinkEvent, devlinkEvent, ipEvents, type MonitorEvent } from './monitor-events'
import type { Json } from './parse-result'
import type { CommandRunner } from './ports'

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

/** Parts cheap enough to refresh first after an event (no per-VF sysfs walk). */
const FAST_PARTS = new Set<DiscoveryPart>(['devlink', 'eswitch', 'rdma', 'ip', 'nsim'])

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
  private waiters: Waiter[] = []
  private pumping = false
  private debounce: ReturnType<typeof setTimeout> | null = null
  private poll: ReturnType<typeof setTimeout> | null = null
  private pollDelay: number
  private readonly up = { devlink: false, ip: false }
  private closed = false
  /** A fast stage read E-Switches by handle; the next `pci` stage also walks for new ones. */
  private eswitchWalkDue = false
  /** Number of refreshes that changed something (drives the polling backoff). */
  private changes = 0

  constructor(
    private readonly runner: CommandRunner,
    private readonly opts: HostWatcherOptions,
  ) {
    this.pollDelay = opts.pollMinMs ?? 1000
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
    if (this.pending.size === 0 && !this.pumping && this.discovery !== null) {
      return Promise.resolve(this.discovery.snapshot)
    }
    const done = new Promise<HostSnapshot>((resolve, reject) => {
      this.waiters.push({ resolve, reject })
    })
    if (!this.pumping) void this.pump()
    return done
  }

  /**
   * Runs refreshes until nothing is pending. An event-driven refresh runs in two stages so the
   * UI sees ports/modes/netdevs fast: first the cheap parts (devlink, eswitch, rdma, ip, nsim),
   * then the sysfs walk (pci: one readlink pair per VF). Waiters resolve when pending is empty.
   */
  private async pump(): Promise<void> {
    this.pumping = true
    while (this.pending.size > 0 && !this.closed) {
      const parts = this.nextStage()
      const waiters = this.pending.size === 0 ? this.waiters.splice(0) : []
      try {
        const snap = await this.runRefresh(parts)
        for (const w of waiters) w.resolve(snap)
      } catch (err) {
        for (const w of [...waiters, ...this.waiters.splice(0)]) w.reject(err)
        this.pending.clear()
      }
    }
    this.pumping = false
    // Only debounce requests (which add no parts of their own) can be left here.
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
    const fast = all.filter((p) => FAST_PARTS.has(p))
    const parts = all.length === DISCOVERY_PARTS.length || fast.length === 0 ? all : fast
    for (const p of parts) this.pending.delete(p)
    if (parts.includes('eswitch') && !parts.includes('pci')) {
      this.eswitchWalkDue = true
      this.pending.add('pci')
    } else if (parts.includes('pci') && this.eswitchWalkDue) {
      this.eswitchWalkDue = false
      if (!parts.includes('eswitch')) parts.push('eswitch')
    }
    return parts
  }

  private async runRefresh(parts: readonly DiscoveryPart[]): Promise<HostSnapshot> {
    const prev = this.discovery
    const direct = prev !== null && parts.includes('eswitch') && !parts.includes('pci')
    const opts = {
      ...this.opts,
      signal: this.ac.signal,
      ...(direct ? { eswitchHandles: knownEswitchHandles(prev.sections) } : {}),
    }
    const full = prev === null || parts.length === DISCOVERY_PARTS.length
    const next = full
      ? await discoverWithSections(this.runner, opts)
      : await refreshParts(this.runner, opts, prev.sections, parts)
    this.discovery = next
    if (prev !== null) {
      const diff = diffSnapshots(prev.snapshot, next.snapshot)
      if (diff.changes.length > 0) {
        this.changes++
        this.pollDelay = this.opts.pollMinMs ?? 1000
        for (const l of [...this.listeners]) safeCall(() => l(next.snapshot, diff))
      }
    }
    for (const l of [...this.snapshotListeners]) safeCall(() => l(next.snapshot))
    return next.snapshot
  }

  private schedule(parts: readonly DiscoveryPart[]): void {
    if (this.closed || parts.length === 0) return
    for (const p of parts) this.pending.add(p)
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
    const decode = (v: Json): MonitorEvent[] => {
      if (kind === 'ip') return ipEvents(v)
      const e = devlinkEvent(v)
      return e === null ? [] : [e]
    }
    const deliver = (e: MonitorEvent): void => {
      this.opts.onEvent?.(e)
      this.schedule(e.parts)
    }
    const splitter = createJsonSplitter({
      onValue: (v) => decode(v).forEach(deliver),
      onGarbage: (raw) => {
        const e = kind === 'devlink' ? damagedDevlinkEvent(raw) : null
        if (e !== null) deliver(e)
      },
    })
    try {
      const stream = this.runner.stream(command, { signal: this.ac.signal })
      this.up[kind] = true
      stream.setEncoding('utf8')
      stream.on('data', (chunk: string) => splitter.push(chunk))
      let down = false
      const onDown = (): void => {
        if (down) return
        down = true
        splitter.end()
        this.monitorDown(kind)
      }
      stream.on('end', onDown)
      stream.on('close', onDown)
      stream.on('error', onDown)
    } catch {
      this.monitorDown(kind)
    }
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
    return new Promise((resolve, reject) => {
      const t: { timer?: ReturnType<typeof setTimeout> } = {}
      const cleanup = (): void => {
        clearTimeout(t.timer)
        this.snapshotListeners.delete(check)
        this.ac.signal.removeEventListener('abort', onAbort)
        o.signal?.removeEventListener('abort', onAbort)
      }
      const check = (s: HostSnapshot): void => {
        try {
          if (!predicate(s)) return
          cleanup()
          resolve(s)
        } catch (err) {
          cleanup()
          reject(err)
        }
      }
      const onAbort = (): void => {
        cleanup()
        reject(abortedError(this.opts.hostName))
      }
      if (this.ac.signal.aborted || o.signal?.aborted === true) return onAbort()
      this.snapshotListeners.add(check)
      this.ac.signal.addEventListener('abort', onAbort, { once: true })
      o.signal?.addEventListener('abort', onAbort, { once: true })
      t.timer = setTimeout(() => {
        cleanup()
        reject(
          labError('timeout', `condition not met within ${o.timeoutMs} ms`, {
            host: this.opts.hostName,
          }),
        )
      }, o.timeoutMs)
      if (this.discovery !== null) check(this.discovery.snapshot)
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

function abortedError(host: string): Error {
  return labError('aborted', 'host watcher closed or request aborted', { host })
}

function safeCall(f: () => void): void {
  try {
    f()
  } catch {
    // A listener's failure must not stop the others or the watcher.
  }
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal, host: string): Promise<T> {
  if (signal.aborted) return Promise.reject(abortedError(host))
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortedError(host))
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
