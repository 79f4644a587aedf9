import type { Readable } from 'node:stream'

import { LabError, toErrorData } from '../../contract'
import type { AuditEntry, CommandRecord, OperationRequest } from '../../contract'
import type { AuditStore, Clock, CommandRunner } from './ports'

/**
 * The engine's audit trail: every mutation any front end asks the engine for (an operation, a
 * drill, a resumed restore, a refused restore) is appended here, below the front ends, so the
 * console, `replab op`, `replab drill run` and `replab drill restore` cannot differ. A drill
 * also appends one entry per command it sends (`CommandTrail`), and its own entry is updated
 * with its outcome (same `id`). A failed append never loses the operation's result: it goes to
 * `onError` (the front end says so).
 */

/** Where an audit entry comes from: the front-end session (`ws-3`, `ipc-1`, `cli-<pid>`). */
export interface AuditContext {
  readonly session?: string | undefined
}

/** One mutation to record; `startedMs` is the clock time it began. */
export interface AuditEvent {
  readonly hostId: string
  readonly target: string
  readonly device?: string | undefined
  readonly action: string
  readonly status: string
  readonly startedMs: number
  readonly commands: readonly CommandRecord[]
  readonly session?: string | undefined
  /** Entries with one id are one entry updated over time (contract `AuditEntry.id`). */
  readonly id?: string | undefined
  readonly runId?: string | undefined
  readonly step?: string | undefined
  /** Duration, ms, when it is not `now − startedMs` (a command's own). */
  readonly durationMs?: number | undefined
}

/** Appends audit entries for one engine; a no-op without a store. */
export class EngineAudit {
  constructor(
    private readonly store: AuditStore | undefined,
    private readonly who: string,
    readonly clock: Clock,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Appends one entry (durationMs = now − startedMs unless given); failures go to `onError`. */
  async record(e: AuditEvent): Promise<void> {
    if (!this.store) return
    const entry: AuditEntry = {
      ...(e.id !== undefined ? { id: e.id } : {}),
      ...(e.runId !== undefined ? { runId: e.runId } : {}),
      ...(e.step !== undefined ? { step: e.step } : {}),
      at: new Date(e.startedMs).toISOString(),
      who: this.who,
      session: e.session ?? 'engine',
      hostId: e.hostId,
      target: e.target,
      ...(e.device !== undefined ? { device: e.device } : {}),
      action: e.action,
      status: e.status,
      durationMs: e.durationMs ?? Math.max(0, this.clock.now() - e.startedMs),
      commands: e.commands.map((c) => ({
        command: c.command,
        code: c.code,
        durationMs: c.durationMs,
      })),
    }
    try {
      await this.store.append(entry)
    } catch (err) {
      this.onError(err)
    }
  }
}

/**
 * The audit action of an operation request: its kind, plus what it does where one kind does
 * several things (`module load mlx5_ib` and `module unload mlx5_ib` are distinct actions).
 */
export function auditAction(request: OperationRequest): string {
  switch (request.op) {
    case 'module':
      return `module ${request.action} ${request.module}`
    case 'health':
    case 'devlink-reload':
    case 'mlxconfig':
      return `${request.op} ${request.action}`
    case 'fw-tracer':
      return `fw-tracer ${request.enable ? 'enable' : 'disable'}`
    case 'fault':
      return `fault ${request.fault}`
    default:
      return request.op
  }
}

/** The device (devlink handle or BDF) an operation request names, for the audit entry. */
export function requestDevice(request: OperationRequest): string | undefined {
  if ('device' in request && request.device) return request.device
  if ('bdf' in request) return request.bdf
  return undefined
}

/** Which drill, host and session a trail's entries belong to. */
export interface TrailScope {
  readonly hostId: string
  readonly target: string
  readonly device: string
  readonly runId: string
  readonly session?: string | undefined
}

/**
 * Audits every command a drill sends (issue 21 item 4): who, when, host, device, the command,
 * its exit code (null when it died of a signal or never ran; the status then says why) and its
 * duration, under the step and action running it (`at`). `wrap` a runner once; every exec and
 * stream through it is one entry, appended before the command's result is handed back.
 */
export class CommandTrail {
  private label = { step: 'drill', action: 'drill' }

  constructor(
    private readonly audit: EngineAudit,
    private readonly scope: TrailScope,
  ) {}

  /** Names the step and action of the commands that follow. */
  at(step: string, action: string): void {
    this.label = { step, action }
  }

  /** `runner` with every command audited (see the class comment). */
  wrap(runner: CommandRunner): CommandRunner {
    return {
      target: runner.target,
      get hostKey() {
        return runner.hostKey
      },
      exec: async (command, options) => {
        const label = this.label
        const started = this.audit.clock.now()
        try {
          const r = await runner.exec(command, options)
          const status = r.code === 0 ? 'ok' : `exit ${r.code ?? r.signal ?? '?'}`
          await this.note(label, command, started, status, r.code, r.durationMs)
          return r
        } catch (err) {
          const ms = this.audit.clock.now() - started
          await this.note(label, command, started, toErrorData(err).code, null, ms)
          throw err
        }
      },
      stream: (command, options) => this.watch(runner.stream(command, options), command),
    }
  }

  /** A stream (the lock channel) is one entry once it ends: `ended`, `exit N` or the error. */
  private watch(stream: Readable, command: string): Readable {
    const label = this.label
    const started = this.audit.clock.now()
    let status = 'ended'
    let code: number | null = 0
    stream.once('error', (err: unknown) => {
      const detail = err instanceof LabError ? err.data.detail : undefined
      const exit = /^exit (\d+)$/.exec(detail ?? '')
      code = exit ? Number(exit[1]) : null
      status = exit ? `exit ${code}` : toErrorData(err).code
    })
    stream.once('close', () => {
      const ms = this.audit.clock.now() - started
      void this.note(label, command, started, status, code, ms)
    })
    return stream
  }

  private note(
    label: { step: string; action: string },
    command: string,
    startedMs: number,
    status: string,
    code: number | null,
    durationMs: number,
  ): Promise<void> {
    const { hostId, target, device, runId, session } = this.scope
    return this.audit.record({
      ...{ hostId, target, device, runId, session, startedMs, durationMs, status },
      action: label.action,
      step: label.step,
      commands: [{ command, code, durationMs, stdout: '', stderr: '' }],
    })
  }
}
