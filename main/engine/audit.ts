import type { AuditEntry, CommandRecord, OperationRequest } from '../../contract'
import type { AuditStore, Clock } from './ports'

/**
 * The engine's audit trail: every mutation any front end asks the engine for (an operation, a
 * drill, a resumed restore, a refused restore) is appended here, below the front ends, so the
 * console, `replab op`, `replab drill run` and `replab drill restore` cannot differ. A failed
 * append never loses the operation's result: it goes to `onError` (the front end says so).
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
}

/** Appends audit entries for one engine; a no-op without a store. */
export class EngineAudit {
  constructor(
    private readonly store: AuditStore | undefined,
    private readonly who: string,
    private readonly clock: Clock,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Appends one entry (durationMs = now − startedMs); failures go to `onError`. */
  async record(e: AuditEvent): Promise<void> {
    if (!this.store) return
    const entry: AuditEntry = {
      at: new Date(e.startedMs).toISOString(),
      who: this.who,
      session: e.session ?? 'engine',
      hostId: e.hostId,
      target: e.target,
      ...(e.device !== undefined ? { device: e.device } : {}),
      action: e.action,
      status: e.status,
      durationMs: Math.max(0, this.clock.now() - e.startedMs),
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

/** The device (devlink handle or BDF) an operation request names, for the audit entry. */
export function requestDevice(request: OperationRequest): string | undefined {
  if ('device' in request && request.device) return request.device
  if ('bdf' in request) return request.bdf
  return undefined
}
