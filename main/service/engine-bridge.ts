import { userInfo, hostname } from 'node:os'
import { join } from 'node:path'

import {
  labError,
  type DrillInfo,
  type DrillReport,
  type DrillRunSummary,
  type DrillStartRequest,
  type HostSnapshot,
  type OperationPlan,
  type OperationRequest,
  type OperationResult,
} from '../../contract'
import { createFsJournalStore } from '../cli/journal-store'
import { createEngine, type Engine, type SnapshotSource } from '../engine'
import { startHostWatcher, type HostWatcher } from '../host/watcher'
import { AuditLog } from './audit-log'
import { watcherSource } from './snapshot-source'
import type { EventHub } from './event-hub'
import type { HostSessions } from './host-sessions'
import type { Inventory } from './inventory'

/** What the bridge needs from the rest of the back end. */
export interface EngineBridgeOptions {
  readonly hub: EventHub
  readonly sessions: HostSessions
  readonly inventory: Inventory
  readonly dataDir: string
  readonly consoleUser?: string | undefined
}

const MIME = {
  json: 'application/json',
  junit: 'application/xml',
  html: 'text/html',
  repro: 'text/x-shellscript',
} as const

/**
 * Connects the lifecycle engine to live hosts: one `HostWatcher` per connected host (the
 * engine's event-driven `SnapshotSource`), the control SSH connection as its `CommandRunner`,
 * the fsynced journal under `<dataDir>/journal`, and the audit log of mutating operations.
 * Snapshot changes and progress are pushed to every front-door session.
 */
export class EngineBridge {
  private readonly watchers = new Map<string, Promise<HostWatcher>>()
  private readonly engine: Engine
  private readonly audit: AuditLog
  private readonly who: string

  constructor(private readonly options: EngineBridgeOptions) {
    this.who = `${options.consoleUser ?? userInfo().username}@${hostname()}`
    this.audit = new AuditLog(join(options.dataDir, 'audit.jsonl'))
    this.engine = createEngine({
      runnerFor: async (hostId) => (await options.sessions.get(hostId)).control,
      snapshotSourceFor: (hostId) => this.source(hostId),
      journal: createFsJournalStore(options.dataDir),
      consoleIdentity: { user: options.consoleUser ?? userInfo().username, host: hostname() },
    })
  }

  /** Starts (or returns) the live watcher of a host; pushes every change as `snapshotChanged`. */
  watch(hostId: string): Promise<HostWatcher> {
    let w = this.watchers.get(hostId)
    if (!w) {
      w = this.startWatcher(hostId)
      this.watchers.set(hostId, w)
      w.catch(() => this.watchers.delete(hostId))
    }
    return w
  }

  unwatch(hostId: string): void {
    const w = this.watchers.get(hostId)
    this.watchers.delete(hostId)
    void w?.then(
      (x) => x.close(),
      () => {},
    )
  }

  /** The host's snapshot (`fresh` forces a new discovery round). */
  async snapshot(hostId: string, fresh: boolean, signal?: AbortSignal): Promise<HostSnapshot> {
    const w = await this.watch(hostId)
    return fresh ? w.refresh({ fresh: true, ...(signal ? { signal } : {}) }) : w.current()
  }

  /** Tracing root of a host (`/sys/kernel/debug/tracing` unless discovery saw only tracefs). */
  async tracingRoot(_hostId: string): Promise<string> {
    return '/sys/kernel/debug/tracing'
  }

  plan(hostId: string, request: OperationRequest, _signal?: AbortSignal): Promise<OperationPlan> {
    return this.engine.plan(hostId, request)
  }

  /** Runs an operation, pushes progress, and appends it to the audit log. */
  async run(
    hostId: string,
    request: OperationRequest,
    sessionId: string,
  ): Promise<OperationResult> {
    const started = Date.now()
    const result = await this.engine.runOperation(hostId, request, {
      timeoutMs: 120_000,
      onProgress: (p) => this.options.hub.emit('opProgress', p),
    })
    await this.audit.append({
      at: new Date(started).toISOString(),
      who: this.who,
      session: sessionId,
      hostId,
      target: (await this.options.sessions.get(hostId)).control.target,
      device: 'device' in request ? request.device : 'bdf' in request ? request.bdf : undefined,
      action: request.op,
      status: result.status,
      durationMs: Date.now() - started,
      commands: result.commands.map((c) => ({
        command: c.command,
        code: c.code,
        durationMs: c.durationMs,
      })),
    })
    return result
  }

  cancel(opId: string): void {
    this.engine.cancelOperation(opId)
  }

  listDrills(hostId?: string): Promise<DrillInfo[]> {
    return this.engine.listDrills(hostId)
  }

  /** Starts a drill in the background; progress goes to every session as `drillProgress`. */
  async startDrill(request: DrillStartRequest, sessionId: string): Promise<{ runId: string }> {
    const handle = await this.engine.startDrill(request, (p) =>
      this.options.hub.emit('drillProgress', p),
    )
    void this.audit
      .append({
        at: new Date().toISOString(),
        who: this.who,
        session: sessionId,
        hostId: request.hostId,
        target: (await this.options.sessions.get(request.hostId)).control.target,
        device: request.device,
        action: `drill ${request.kind} (run ${handle.runId})`,
        status: 'started',
        durationMs: 0,
        commands: [],
      })
      .catch((err: Error) => console.error(`replab: ${err.message}`))
    void handle.done.catch((err: Error) =>
      console.error(`replab: drill ${handle.runId} failed: ${err.message}`),
    )
    return { runId: handle.runId }
  }

  cancelDrill(runId: string): void {
    if (!this.engine.cancelDrill(runId)) throw labError('not-found', `no running drill ${runId}`)
  }

  async history(hostId?: string): Promise<DrillRunSummary[]> {
    const runs = await this.engine.listRuns()
    return hostId ? runs.filter((r) => r.hostId === hostId) : runs
  }

  report(runId: string): Promise<DrillReport> {
    return this.engine.report(runId)
  }

  async exportReport(runId: string, format: 'json' | 'junit' | 'html' | 'repro') {
    const { content, path } = await this.engine.exportReport(runId, format)
    return { fileName: path.split('/').pop() ?? `${runId}.${format}`, mime: MIME[format], content }
  }

  async close(): Promise<void> {
    for (const id of [...this.watchers.keys()]) this.unwatch(id)
  }

  private async source(hostId: string): Promise<SnapshotSource> {
    return watcherSource(await this.watch(hostId))
  }

  private async startWatcher(hostId: string): Promise<HostWatcher> {
    const conn = (await this.options.sessions.get(hostId)).control
    const watcher = await startHostWatcher(conn, {
      hostName: this.options.inventory.get(hostId).name,
      timeoutMs: 60_000,
    })
    watcher.onChange((snapshot, diff) =>
      this.options.hub.emit('snapshotChanged', { hostId, snapshot, diff }),
    )
    this.options.hub.emit('snapshotChanged', { hostId, snapshot: watcher.current(), diff: null })
    return watcher
  }
}
