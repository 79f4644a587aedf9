import { randomUUID } from 'node:crypto'

import {
  BROADCAST,
  labError,
  toErrorData,
  type AuditEntry,
  type BroadcastHostResult,
  type BroadcastRequest,
  type BroadcastStarted,
  type HostConfig,
  type LabError,
} from '../../contract'
import { captureExec, type CapturedExec, type ChannelHost } from '../ssh'

/** What the broadcaster needs from the rest of the back end. */
export interface BroadcasterOptions {
  /** The inventory entry of a host; throws `not-found`. */
  config(hostId: string): HostConfig
  /**
   * The connection a broadcast runs on (the host's interactive connection, so a long command
   * never holds the engine's control connection), connecting first when needed. Rejects with the
   * connect error, or with `signal`'s reason.
   */
  connection(hostId: string, signal: AbortSignal): Promise<ChannelHost>
  /** Appends one audit entry (audit-log.ts); rejects with `io-error`. */
  audit(entry: AuditEntry): Promise<void>
  /** Sends one host's result to the session that started the broadcast. */
  emit(sessionId: string, result: BroadcastHostResult): void
  /** `user@console-host` for the audit log. */
  readonly who: string
}

interface Run {
  readonly sessionId: string
  /** Per host: aborting it cancels that host's run. */
  readonly cancels: Map<string, AbortController>
  done: Promise<void>
}

/** Rejects with `signal`'s reason when it aborts first. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error)
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/**
 * Runs broadcasts (contract/broadcast.ts): one SSH exec of the same command per host, all hosts
 * at once, each with its own timeout (connecting included) and cancel. A host's result goes to
 * the requesting session as soon as that host finishes, with at most `BROADCAST.keepBytes` of
 * each output stream (also what arrived before a timeout or cancel), and each host's run is
 * appended to the audit log as a mutation with its exact command. A request naming a read-only
 * host is refused whole (`read-only`), an unknown one `not-found`, before anything runs. When
 * the session ends, its broadcasts are cancelled (the remote commands are killed).
 */
export class Broadcaster {
  private readonly runs = new Map<string, Run>()

  constructor(private readonly o: BroadcasterOptions) {}

  /** Starts a broadcast; answers its id at once (results follow as events). */
  start(sessionId: string, request: BroadcastRequest, session: AbortSignal): BroadcastStarted {
    const configs = request.hostIds.map((id) => this.o.config(id))
    const readOnly = configs.filter((c) => c.readOnly).map((c) => c.id)
    if (readOnly.length > 0)
      throw labError(
        'read-only',
        `${readOnly.join(', ')} ${readOnly.length > 1 ? 'are' : 'is'} read-only: a broadcast runs an arbitrary command, so no host of it may be read-only`,
      )
    const broadcastId = `b-${randomUUID().slice(0, 8)}`
    const cancels = new Map(request.hostIds.map((id) => [id, new AbortController()]))
    const run: Run = { sessionId, cancels, done: Promise.resolve() }
    const endOfSession = (): void => {
      for (const c of cancels.values()) c.abort(labError('aborted', 'the session ended'))
    }
    session.addEventListener('abort', endOfSession, { once: true })
    if (session.aborted) endOfSession()
    this.runs.set(broadcastId, run)
    run.done = Promise.all(
      configs.map((c) => this.runHost(broadcastId, run, c, request, cancels.get(c.id)!.signal)),
    ).then(() => {
      session.removeEventListener('abort', endOfSession)
      this.runs.delete(broadcastId)
    })
    return { broadcastId, hostIds: request.hostIds }
  }

  /**
   * Cancels one host's run (or every host's) of the session's broadcast; the remote command is
   * killed and the host reports `cancelled`. Unknown or foreign broadcasts are `not-found`, as is
   * a host that is not part of it; a host that already finished is left as it is.
   */
  cancel(sessionId: string, broadcastId: string, hostId?: string): void {
    const run = this.runs.get(broadcastId)
    if (!run || run.sessionId !== sessionId)
      throw labError('not-found', `no running broadcast ${broadcastId} in this session`)
    const targets = hostId === undefined ? [...run.cancels.values()] : [run.cancels.get(hostId)]
    if (targets.some((c) => c === undefined))
      throw labError('not-found', `${hostId} is not part of broadcast ${broadcastId}`)
    for (const c of targets) c?.abort(labError('aborted', 'cancelled by the user'))
  }

  /** Cancels every broadcast and waits for their results to be audited. */
  async dispose(): Promise<void> {
    const runs = [...this.runs.values()]
    for (const r of runs)
      for (const c of r.cancels.values()) c.abort(labError('aborted', 'shutting down'))
    await Promise.all(runs.map((r) => r.done))
  }

  private async runHost(
    broadcastId: string,
    run: Run,
    config: HostConfig,
    request: BroadcastRequest,
    cancel: AbortSignal,
  ): Promise<void> {
    const base = { broadcastId, hostId: config.id }
    const at = new Date()
    const started = performance.now()
    this.o.emit(run.sessionId, { ...base, ...EMPTY, status: 'running', durationMs: 0 })
    let target = `${config.user}@${config.host}:${config.port}`
    const deadline = new AbortController()
    const timer = setTimeout(
      () =>
        deadline.abort(
          labError('ssh-timeout', `no answer from ${config.id} within ${request.timeoutMs} ms`, {
            host: target,
            command: request.command,
          }),
        ),
      request.timeoutMs,
    )
    const signal = AbortSignal.any([cancel, deadline.signal])
    let result: BroadcastHostResult
    try {
      const conn = await untilAborted(this.o.connection(config.id, signal), signal)
      target = conn.target
      const captured = await captureExec(conn, request.command, {
        timeoutMs: Math.max(1, Math.ceil(request.timeoutMs - (performance.now() - started))),
        signal,
        keepBytes: BROADCAST.keepBytes,
      })
      result = resultOf(base, captured, cancel, performance.now() - started)
    } catch (err) {
      const status = cancel.aborted ? 'cancelled' : deadline.signal.aborted ? 'timed-out' : 'error'
      result = {
        ...base,
        ...EMPTY,
        status,
        durationMs: performance.now() - started,
        error: toErrorData(err),
      }
    } finally {
      clearTimeout(timer)
    }
    this.o.emit(run.sessionId, await this.audited(result, run.sessionId, at, target, request))
  }

  /** Appends the host's run to the audit log; an audit failure is reported in the result. */
  private async audited(
    result: BroadcastHostResult,
    session: string,
    at: Date,
    target: string,
    request: BroadcastRequest,
  ): Promise<BroadcastHostResult> {
    try {
      await this.o.audit({
        at: at.toISOString(),
        who: this.o.who,
        session,
        hostId: result.hostId,
        target,
        action: `broadcast ${result.broadcastId}`,
        status: result.status,
        durationMs: result.durationMs,
        commands: [{ command: request.command, code: result.code, durationMs: result.durationMs }],
      })
      return result
    } catch (err) {
      return { ...result, error: toErrorData(err) }
    }
  }
}

const EMPTY = {
  code: null,
  signal: null,
  stdout: '',
  stderr: '',
  stdoutBytes: 0,
  stderrBytes: 0,
  truncated: false,
} as const

function resultOf(
  base: { broadcastId: string; hostId: string },
  c: CapturedExec,
  cancel: AbortSignal,
  durationMs: number,
): BroadcastHostResult {
  const status =
    c.outcome === 'exit'
      ? c.code === 0
        ? 'ok'
        : 'failed'
      : c.outcome === 'aborted'
        ? cancel.aborted
          ? 'cancelled'
          : 'timed-out'
        : c.outcome === 'timeout'
          ? 'timed-out'
          : 'error'
  const host = c.error?.data.host ? { host: c.error.data.host } : {}
  const error: LabError | undefined =
    status === 'timed-out'
      ? labError(
          'ssh-timeout',
          `${base.hostId}: timed out after ${Math.round(durationMs)} ms; remote command killed`,
          host,
        )
      : status === 'cancelled'
        ? labError('aborted', `${base.hostId}: cancelled; remote command killed`, host)
        : c.error
  return {
    ...base,
    status,
    code: c.code,
    signal: c.signal,
    durationMs,
    stdout: c.stdout,
    stderr: c.stderr,
    stdoutBytes: c.stdoutBytes,
    stderrBytes: c.stderrBytes,
    truncated: c.truncated,
    ...(error ? { error: error.data } : {}),
  }
}
