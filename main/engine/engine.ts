import { labError } from '../../contract'
import type {
  DrillInfo,
  DrillPlan,
  DrillProgress,
  DrillReport,
  DrillRunSummary,
  OperationPlan,
  OperationProgress,
  OperationResult,
  StepDetail,
} from '../../contract'
import { auditAction, EngineAudit, requestDevice } from './audit'
import { withFreshFallback, type FreshFallbackOptions } from './fresh-fallback'
import { DeviceLocks } from './locks'
import { DRILLS, listDrills } from './drills'
import { defaultId, lockSubject, parseDrillRequest, parseRequest } from './engine-input'
import { launchDrill, planOn, refusalOf, refusedEntry } from './drill-start'
import type { ResolvedParams } from './drill-types'
import { foldJournal, reportOf, scanJournal, stepDetailOf, type JournalRun } from './journal'
import { historyEntry } from './journal-history'
import { INJECT_PROBE, type FaultOptions } from './operations'
import { plan } from './plan'
import {
  systemClock,
  type AuditStore,
  type Clock,
  type CommandRunner,
  type ConsoleIdentity,
  type HostPorts,
  type JournalStore,
  type SnapshotSource,
} from './ports'
import { renderReport, reportFileName, type ReportFormat } from './reports/render'
import { resumeRestore, type ResumeOptions } from './resume-restore'
import { runOperation } from './run-operation'
import { lockOwner } from './shell'

/** What the composition root (main/app, main/cli) wires into the engine. */
export interface EngineDeps {
  runnerFor(hostId: string): CommandRunner | Promise<CommandRunner>
  snapshotSourceFor(hostId: string): SnapshotSource | Promise<SnapshotSource>
  readonly journal: JournalStore
  readonly consoleIdentity: ConsoleIdentity
  readonly clock?: Clock
  /** Run/op id generator; default: time + random, URL- and file-safe. */
  readonly newId?: () => string
  /**
   * Back `waitFor` with fresh reads for sources whose monitors miss changes (see
   * fresh-fallback.ts). Default on; `false` trusts the source's events alone.
   */
  readonly freshFallback?: FreshFallbackOptions | false
  /**
   * The audit trail every mutation is appended to (operations, drills, resumed and refused
   * restores), whatever front end asked. Front ends pass `<dataDir>/audit.jsonl`'s store.
   */
  readonly audit?: AuditStore
  /** Told when an audit entry could not be written (the operation's result is kept). */
  readonly onAuditError?: (err: unknown) => void
}

/** A started drill: its run id, the final report, and cancel (restore still runs). */
export interface DrillHandle {
  readonly runId: string
  readonly done: Promise<DrillReport>
  cancel(): void
}

/** Options of `Engine.runOperation`. */
export interface EngineOpOptions {
  readonly timeoutMs?: number
  readonly signal?: AbortSignal
  readonly opId?: string
  readonly faultOptions?: FaultOptions
  /** Settle window of the wait after the commands, ms (run-operation.ts `settleMs`). */
  readonly settleMs?: number
  readonly onProgress?: (progress: OperationProgress) => void
  /** The front-end session asking, for the audit entry (`ws-3`, `ipc-1`, `cli-<pid>`). */
  readonly session?: string
}

/** Options of `Engine.startDrill` beyond the request. */
export interface DrillStartOptions {
  /** The front-end session asking, for the audit entries. */
  readonly session?: string
}

/**
 * The lifecycle engine facade: plans and runs operations, runs drills with locks, journal and
 * reports, lists and resumes runs. Build it with `createEngine`.
 */
export class Engine {
  private readonly locks = new DeviceLocks()
  private readonly clock: Clock
  private readonly ops = new Map<string, AbortController>()
  private readonly drills = new Map<string, AbortController>()
  private readonly audit: EngineAudit

  constructor(private readonly deps: EngineDeps) {
    this.clock = deps.clock ?? systemClock
    const id = deps.consoleIdentity
    const onError =
      deps.onAuditError ??
      ((err: unknown) =>
        console.error(`replab: audit log not written: ${(err as Error).message ?? String(err)}`))
    this.audit = new EngineAudit(deps.audit, `${id.user}@${id.host}`, this.clock, onError)
  }

  private newId(): string {
    return this.deps.newId?.() ?? defaultId(this.clock)
  }

  private async ports(hostId: string): Promise<HostPorts> {
    const [runner, raw] = await Promise.all([
      this.deps.runnerFor(hostId),
      this.deps.snapshotSourceFor(hostId),
    ])
    const fallback = this.deps.freshFallback
    const source = fallback === false ? raw : withFreshFallback(raw, fallback ?? {})
    return { hostId, runner, source, clock: this.clock }
  }

  /** The dry run of a request on the host's current snapshot. Rejects `invalid-request` on a bad request. */
  async plan(
    hostId: string,
    request: unknown,
    faultOptions?: FaultOptions,
  ): Promise<OperationPlan> {
    const req = parseRequest(request)
    const p = await this.ports(hostId)
    const snap = await p.source.snapshot({ fresh: false })
    return plan(req, snap, {
      hostId,
      target: p.runner.target,
      ...(faultOptions ? { faultOptions } : {}),
    })
  }

  /**
   * Runs one operation under the device's lifecycle lock (waits up to `timeoutMs`, default 30 s,
   * for a drill or operation on that device, then rejects `host-busy` naming the holder).
   * Failures come back in the result; rejects only for a bad request, a busy device or an
   * unreadable host.
   */
  async runOperation(
    hostId: string,
    request: unknown,
    options: EngineOpOptions = {},
  ): Promise<OperationResult> {
    const req = parseRequest(request)
    const p = await this.ports(hostId)
    const opId = options.opId ?? this.newId()
    const controller = new AbortController()
    options.signal?.addEventListener('abort', () => controller.abort(), { once: true })
    this.ops.set(opId, controller)
    try {
      const key = `${hostId}|${await lockSubject(req, p.source)}`
      const release = await this.waitLock(key, opId, controller.signal, options.timeoutMs ?? 30_000)
      try {
        const startedMs = this.clock.now()
        const out = await runOperation(p, req, {
          timeoutMs: options.timeoutMs ?? 30_000,
          signal: controller.signal,
          opId,
          ...(options.faultOptions ? { faultOptions: options.faultOptions } : {}),
          ...(options.settleMs !== undefined ? { settleMs: options.settleMs } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        })
        await this.audit.record({
          hostId,
          target: p.runner.target,
          device: requestDevice(req),
          action: auditAction(req),
          status: out.result.status,
          startedMs,
          commands: out.result.commands,
          session: options.session,
        })
        return out.result
      } finally {
        release()
      }
    } finally {
      this.ops.delete(opId)
    }
  }

  /**
   * Waits up to `timeoutMs` for a device lock; then `host-busy` naming the holder. The deadline
   * is a plain timer: `AbortSignal.any([s, AbortSignal.timeout(ms)])` never fires on Node 20
   * once a garbage collection ran (the timeout signal is held weakly and collected), which let
   * an operation wait for a drill's whole run instead of failing `host-busy`.
   */
  private async waitLock(
    key: string,
    opId: string,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<() => void> {
    // A timer, not AbortSignal.timeout(): a timeout signal referenced only from
    // AbortSignal.any() can be garbage-collected before it fires (seen under GC pressure: the
    // wait then lasted until the holder let go instead of `timeoutMs`).
    const deadline = new AbortController()
    const timer = setTimeout(() => deadline.abort(), timeoutMs)
    try {
      return await this.locks.acquire(
        key,
        `operation ${opId}`,
        AbortSignal.any([signal, deadline.signal]),
      )
    } catch (err) {
      if (signal.aborted) throw err
      const holder = this.locks.holder(key) ?? 'another operation'
      throw labError('host-busy', `${key.split('|').pop() ?? key} locked by ${holder}`)
    } finally {
      clearTimeout(timer)
    }
  }

  /** Aborts a running operation; false when unknown. */
  cancelOperation(opId: string): boolean {
    const c = this.ops.get(opId)
    c?.abort()
    return c !== undefined
  }

  /** Drill descriptions; with a host id, only those the host supports (fault injection). */
  async listDrills(hostId?: string): Promise<DrillInfo[]> {
    if (hostId === undefined) return listDrills()
    const runner = await this.deps.runnerFor(hostId)
    const r = await runner.exec(INJECT_PROBE, { timeoutMs: 10_000 })
    return listDrills(r.code === 0)
  }

  /**
   * The plan of a drill on the host now (issue 21 item 1): every step with its exact commands,
   * the blast radius, the VFs in use and whether the drill would disturb them, what the restore
   * puts back, how long it should take, and what is wrong with the request. Reads the host;
   * changes nothing. Rejects `invalid-request` for a request that does not parse.
   */
  async planDrill(request: unknown): Promise<DrillPlan> {
    const req = parseDrillRequest(request)
    return planOn(req, await this.ports(req.hostId), this.deps.journal)
  }

  /**
   * Starts a drill: plans it on a fresh read of the host, refuses a bad request
   * (`invalid-request`: a VF count above `sriov_totalvfs`, a device that is not there…) and one
   * that would disturb VFs in use (`in-use`, unless `force`) before anything is journaled, takes
   * the device lock and the remote flock (rejects `host-busy` naming the holder), then runs in
   * the background with the plan's parameters. `done` resolves with the report.
   */
  async startDrill(
    request: unknown,
    onProgress?: (p: DrillProgress) => void,
    options: DrillStartOptions = {},
  ): Promise<DrillHandle> {
    const req = parseDrillRequest(request)
    const p = await this.ports(req.hostId)
    const plan = await planOn(req, p, this.deps.journal)
    const refused = refusalOf(plan, req.force === true)
    if (refused) {
      // A refusal for VFs in use is an attempted mutation: audited. A bad request is not.
      if (plan.problems.length === 0)
        await this.audit.record(refusedEntry(req, plan, this.clock, options.session))
      throw refused
    }
    const runId = this.newId()
    const controller = new AbortController()
    const id = this.deps.consoleIdentity
    const { done } = await launchDrill(
      {
        ports: p,
        locks: this.locks,
        journal: this.deps.journal,
        audit: this.audit,
        runId,
        owner: lockOwner(id.user, id.host, this.clock.now()),
        signal: controller.signal,
        session: options.session,
        onProgress,
        readRun: (r) => this.readRun(r),
      },
      req,
      plan.params as ResolvedParams,
    )
    this.drills.set(runId, controller)
    const settled = done.finally(() => this.drills.delete(runId))
    return { runId, done: settled, cancel: () => controller.abort() }
  }

  /** Runs a drill to the end (startDrill + done). */
  async runDrill(
    request: unknown,
    onProgress?: (p: DrillProgress) => void,
    options: DrillStartOptions = {},
  ): Promise<DrillReport> {
    return (await this.startDrill(request, onProgress, options)).done
  }

  /** Cancels a running drill (its restore still runs); false when unknown. */
  cancelDrill(runId: string): boolean {
    const c = this.drills.get(runId)
    c?.abort()
    return c !== undefined
  }

  /**
   * Every journaled run, newest first; unfinished runs not running here are `interrupted`. A
   * run with damaged journal lines carries `damaged`; one without a readable start line (torn,
   * empty file) is listed as `damaged` with what can still be restored, never hidden.
   */
  async listRuns(): Promise<DrillRunSummary[]> {
    const out: DrillRunSummary[] = []
    for (const runId of await this.deps.journal.listRuns()) {
      const s = historyEntry(runId, scanJournal(await this.deps.journal.readRun(runId)))
      out.push(
        this.drills.has(runId) && s.status === 'interrupted' ? { ...s, status: 'running' } : s,
      )
    }
    return out.reverse()
  }

  /** A run rebuilt from its journal. Rejects `not-found` / `parse-error`. */
  async readRun(runId: string): Promise<JournalRun> {
    return foldJournal(await this.deps.journal.readRun(runId))
  }

  /**
   * One journaled step of a run (index into the report's `steps`): its commands with exit codes
   * and outputs, findings and snapshot diff, as the HTML export shows them. Rejects `not-found`.
   */
  async stepDetail(runId: string, index: number): Promise<StepDetail> {
    return stepDetailOf(await this.readRun(runId), index)
  }

  /** The DrillReport of a run. */
  async report(runId: string): Promise<DrillReport> {
    const r = reportOf(await this.readRun(runId))
    return this.drills.has(runId) && r.status === 'interrupted' ? { ...r, status: 'running' } : r
  }

  /** Renders a report format of a run and writes it atomically next to the journal; resolves with content and path. */
  async exportReport(
    runId: string,
    format: ReportFormat,
  ): Promise<{ content: string; path: string }> {
    const content = renderReport(await this.readRun(runId), format)
    const path = await this.deps.journal.writeArtifact(
      runId,
      reportFileName(runId, format),
      content,
    )
    return { content, path }
  }

  /**
   * Completes the restore of an interrupted run (a crash left it without an `end` line): checks
   * the journal and the connected host's identity before anything runs (resume-restore.ts),
   * takes the locks again, restores what its journal says changed and is still different, and
   * closes the run as `interrupted` with the restored items. Rejects `invalid-request` for a
   * finished or running run, `parse-error` for a damaged line that may hide a change (unless
   * `skipDamaged` names it) or an unreadable start line, `host-mismatch` when the connected host
   * is not the run's (unless `ignoreHostIdentity`), `host-busy` when locked.
   */
  async resumeRestore(runId: string, options: ResumeOptions = {}): Promise<DrillReport> {
    const id = this.deps.consoleIdentity
    return resumeRestore(
      {
        ports: (hostId) => this.ports(hostId),
        journal: this.deps.journal,
        locks: this.locks,
        owner: lockOwner(id.user, id.host, this.clock.now()),
        audit: this.audit,
        running: (r) => this.drills.has(r),
      },
      runId,
      options,
    )
  }

  /** Whether a drill kind exists (for front doors validating input). */
  static isDrill(kind: string): boolean {
    return kind in DRILLS
  }
}

/** Builds the engine from its ports (see `EngineDeps`). */
export function createEngine(deps: EngineDeps): Engine {
  return new Engine(deps)
}
