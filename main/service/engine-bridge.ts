import { userInfo, hostname } from 'node:os'
import { join } from 'node:path'

import {
  labError,
  type DrillInfo,
  type DrillPlan,
  type DrillReport,
  type DrillRunSummary,
  type DrillStartRequest,
  type HostSnapshot,
  type OperationPlan,
  type OperationRequest,
  type OperationResult,
  type StepDetail,
} from '../../contract'
import { createFsJournalStore } from '../store/journal-store'
import { createEngine, TRACER_PATHS, type Engine, type SnapshotSource } from '../engine'
import { startHostWatcher, type HostWatcher } from '../host/watcher'
import { AuditLog } from './audit-log'
import { drillMarkers } from './drill-markers'
import { watchExpectedDrops } from './expected-drop'
import type { DrillStepRef } from './terminal-highlight'
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
  /** Told about every finished drill step (terminal panes write it as a marker line). */
  readonly onDrillStep?: (hostId: string, step: DrillStepEvent) => void
  /** A command the engine marks as dropping the device is about to run (expected-drop.ts). */
  readonly onExpectedDrop?: (hostId: string, reason: string) => void
  /** The drill step or operation that ran such a command ended. */
  readonly onDropSettled?: (hostId: string) => void
}

/**
 * A drill step ended: `text` for the panes' marker line, `finished` its index in the report's
 * steps, `running` the step that runs now (the next index) or null once the drill ended.
 * Indexes count the drill's progress events, one per journal step entry (drill-context.ts).
 */
export interface DrillStepEvent {
  readonly runId: string
  /** The drill's device (devlink handle), so a line naming it links to this drill's step. */
  readonly device: string
  /** Marker text, or null when there is nothing to write (the drill's handle settled). */
  readonly text: string | null
  readonly finished: DrillStepRef | null
  readonly running: DrillStepRef | null
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
  /** Tracer path last seen enabled per host, to re-arm it after a drop or a reboot. */
  private readonly tracerOn = new Map<string, 'upstream' | 'ofed'>()
  private readonly engine: Engine
  private readonly audit: AuditLog

  constructor(private readonly options: EngineBridgeOptions) {
    this.audit = new AuditLog(join(options.dataDir, 'audit.jsonl'))
    this.engine = createEngine({
      runnerFor: async (hostId) =>
        watchExpectedDrops((await options.sessions.get(hostId)).control, (reason) =>
          options.onExpectedDrop?.(hostId, reason),
        ),
      snapshotSourceFor: (hostId) => this.source(hostId),
      journal: createFsJournalStore(options.dataDir),
      consoleIdentity: { user: options.consoleUser ?? userInfo().username, host: hostname() },
      // The engine appends every mutation (operations, drills, restores) below this front end.
      audit: this.audit,
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

  /**
   * Re-enables the firmware tracer after a trace pane reconnected, when it was on before and is
   * off now (a reboot or a driver reload resets it). Answers the marker text, or null.
   */
  async rearmTracer(hostId: string): Promise<string | null> {
    const path = this.tracerOn.get(hostId)
    if (!path) return null
    const now = await this.snapshot(hostId, true)
    if (now.tracer?.enabled) return null
    // Through the engine, so the re-arm is audited like every other mutation.
    const r = await this.engine.runOperation(
      hostId,
      { op: 'fw-tracer', enable: true, path },
      { timeoutMs: 10_000, session: 'tracer-rearm' },
    )
    return r.status === 'ok'
      ? `tracer re-armed (${TRACER_PATHS[path]})`
      : `tracer NOT re-armed: ${r.error?.message ?? r.status}`
  }

  plan(hostId: string, request: OperationRequest, _signal?: AbortSignal): Promise<OperationPlan> {
    return this.engine.plan(hostId, request)
  }

  /** Runs an operation and pushes its progress (the engine appends it to the audit log). */
  async run(
    hostId: string,
    request: OperationRequest,
    sessionId: string,
  ): Promise<OperationResult> {
    return this.engine
      .runOperation(hostId, request, {
        timeoutMs: 120_000,
        session: sessionId,
        onProgress: (p) => this.options.hub.emit('opProgress', p),
      })
      .finally(() => this.options.onDropSettled?.(hostId))
  }

  /** Audit entries, newest first, optionally of one host. */
  async auditEntries(hostId: string | undefined, limit: number) {
    const all = await this.audit.read()
    return all
      .filter((e) => hostId === undefined || e.hostId === hostId)
      .reverse()
      .slice(0, limit)
  }

  cancel(opId: string): void {
    this.engine.cancelOperation(opId)
  }

  listDrills(hostId?: string): Promise<DrillInfo[]> {
    return this.engine.listDrills(hostId)
  }

  /** The plan of a drill on the host now (engine `planDrill`). */
  planDrill(request: DrillStartRequest): Promise<DrillPlan> {
    return this.engine.planDrill(request)
  }

  /**
   * Starts a drill in the background; progress goes to every session as `drillProgress`. The
   * terminal panes get one marker per finished step and one `drill finished: <status>` marker
   * (`drillMarkers`).
   */
  async startDrill(request: DrillStartRequest, sessionId: string): Promise<{ runId: string }> {
    const markers = drillMarkers(request)
    const handle = await this.engine.startDrill(
      request,
      (p) => {
        this.options.hub.emit('drillProgress', p)
        this.options.onDropSettled?.(request.hostId)
        this.options.onDrillStep?.(request.hostId, markers.progress(p))
      },
      { session: sessionId },
    )
    const started = markers.started(handle.runId)
    if (started) this.options.onDrillStep?.(request.hostId, started)
    void handle.done
      .catch((err: Error) => console.error(`replab: drill ${handle.runId} failed: ${err.message}`))
      .finally(() => {
        this.options.onDropSettled?.(request.hostId)
        this.options.onDrillStep?.(request.hostId, markers.settled(handle.runId))
      })
    return { runId: handle.runId }
  }

  /** One journaled step with its commands, outputs, findings and snapshot diff. */
  stepDetail(runId: string, index: number): Promise<StepDetail> {
    return this.engine.stepDetail(runId, index)
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
    const noteTracer = (s: HostSnapshot): void => {
      if (s.tracer?.enabled && s.tracer.path) this.tracerOn.set(hostId, s.tracer.path)
    }
    noteTracer(watcher.current())
    watcher.onChange((snapshot, diff) => {
      noteTracer(snapshot)
      this.options.hub.emit('snapshotChanged', { hostId, snapshot, diff })
    })
    this.options.hub.emit('snapshotChanged', { hostId, snapshot: watcher.current(), diff: null })
    return watcher
  }
}
