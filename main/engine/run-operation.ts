import { LabError, labError, toErrorData } from '../../contract'
import type {
  Change,
  CommandRecord,
  HostSnapshot,
  LabErrorData,
  OperationPlan,
  OperationProgress,
  OperationRequest,
  OperationResult,
} from '../../contract'
import type { DiscoveryPart } from '../host/discovery-script'
import { awaitExpectation } from './expect-wait'
import { operationFor, type FaultOptions } from './operations'
import { plan } from './plan'
import type { CommandRunner, ExecResult, HostPorts, PreparedRead, ReadAfter } from './ports'

/** Largest stdout/stderr kept per command record (64 KiB, contract `CommandRecord`). */
export const MAX_OUTPUT = 64 * 1024

/** Options of one operation run. */
export interface RunOperationOptions {
  /** Budget for the commands and the postcondition wait together, ms. */
  readonly timeoutMs: number
  readonly signal?: AbortSignal
  readonly opId?: string
  readonly target?: string
  readonly faultOptions?: FaultOptions
  /**
   * How long the device must show no change after the commands to count as settled, ms
   * (default settle-wait.ts `OPERATION_SETTLE_MS`, 1,000).
   */
  readonly settleMs?: number
  readonly onProgress?: (progress: OperationProgress) => void
}

/** What `runOperation` hands back: the contract result plus the plan and both snapshots. */
export interface OperationOutcome {
  readonly result: OperationResult
  readonly plan: OperationPlan
  readonly before: HostSnapshot
  /** The snapshot that satisfied the expectation, or the settled one (mismatch, unknown). */
  readonly after: HostSnapshot | undefined
}

/** Truncates an output to `MAX_OUTPUT` characters, marking the cut. */
export function clip(text: string, max = MAX_OUTPUT): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n[… ${text.length - max} more bytes]`
}

/**
 * Runs one command and records it; rejects only with the runner's `LabError`s. `drop` is the
 * reason the command takes the device away and back (`OperationModule.dropReason`), passed on as
 * `ExecOptions.drop`; `readAfter` a read to run in the same exec after it (its output is the
 * result's `after`, when the runner fused it).
 */
export async function execRecord(
  runner: CommandRunner,
  command: string,
  timeoutMs: number,
  signal?: AbortSignal,
  drop?: string | null,
  readAfter?: ReadAfter,
): Promise<CommandRecord & { after?: ExecResult['after'] }> {
  const r = await runner.exec(command, {
    timeoutMs: Math.max(1, timeoutMs),
    ...(signal ? { signal } : {}),
    ...(drop ? { drop } : {}),
    ...(readAfter ? { readAfter } : {}),
  })
  return {
    command,
    code: r.code,
    signal: r.signal,
    stdout: clip(r.stdout),
    stderr: clip(r.stderr),
    durationMs: r.durationMs,
    ...(r.after ? { after: r.after } : {}),
  }
}

/** How `runCommands` ended: the first non-zero exit's error, and the verifying read's output. */
interface CommandsRun {
  readonly failed?: LabErrorData
  /** The last command's fused read (`ExecResult.after`) and the read it was prepared as. */
  readonly read?: {
    readonly prepared: PreparedRead
    readonly after: NonNullable<ExecResult['after']>
  }
}

/** How `runCommands` runs the list; `prepare` gives the read to fuse with the last command. */
interface CommandsContext {
  readonly runner: CommandRunner
  readonly remaining: () => number
  readonly signal: AbortSignal | undefined
  readonly drop: string | null
  readonly onCommand: (command: string) => void
  readonly prepare: () => PreparedRead | undefined
}

/**
 * Runs commands in order into `records`, stopping at the first non-zero exit. The last command
 * carries the verifying read (`prepare`, called just before it so the read is numbered after
 * anything the earlier commands set off).
 */
async function runCommands(
  list: readonly string[],
  records: CommandRecord[],
  ctx: CommandsContext,
): Promise<CommandsRun> {
  let read: CommandsRun['read']
  for (const [i, command] of list.entries()) {
    ctx.onCommand(command)
    const prepared = i === list.length - 1 ? ctx.prepare() : undefined
    const { after, ...rec } = await execRecord(
      ctx.runner,
      command,
      ctx.remaining(),
      ctx.signal,
      ctx.drop,
      prepared?.read,
    ).finally(() => prepared?.release())
    records.push(rec)
    if (prepared && after) read = { prepared, after }
    if (rec.code !== 0) {
      const detail = (rec.stderr || rec.stdout).trim()
      const message = `${command} exited ${rec.code ?? rec.signal}${detail ? `: ${detail}` : ''}`
      const failed = { code: 'command-failed', message, command, host: ctx.runner.target } as const
      return read ? { failed, read } : { failed }
    }
  }
  return read ? { read } : {}
}

function statusOf(err: LabErrorData): OperationResult['status'] {
  if (err.code === 'aborted') return 'aborted'
  if (err.code === 'timeout' || err.code === 'ssh-timeout') return 'timeout'
  return 'failed'
}

/** The devlink handle or BDF a request names, for error data. */
function deviceOf(request: OperationRequest): { device?: string } {
  if ('device' in request && request.device) return { device: request.device }
  return 'bdf' in request ? { device: request.bdf } : {}
}

/**
 * `parts` without the bus the request's device is not on: a netdevsim device is built from its
 * bus device, devlink and E-Switch sections, never from the PCI walk (on a host with SR-IOV PFs
 * that walk is most of a read: several forks per VF); a PCI function never from the netdevsim bus.
 */
export function scopedParts(
  parts: readonly DiscoveryPart[],
  request: OperationRequest,
): readonly DiscoveryPart[] {
  const { device } = deviceOf(request)
  if (device === undefined) return parts
  const other: DiscoveryPart = device.startsWith('netdevsim/') ? 'pci' : 'nsim'
  return parts.filter((p) => p !== other)
}

/**
 * Runs one operation: snapshot → precondition → the module's support probe, if any → commands
 * (in order, stop at the first non-zero exit, each passed the module's drop reason) → wait for
 * the module's expectation until it holds or the device settled (expect-wait.ts).
 *
 * Reads are targeted, so an operation costs about its commands plus one verifying query: the
 * snapshot before reads fresh only the module's `planReads` (what no monitor event reports),
 * taking the rest from the event-driven cache (with `planOnCache`, only when the cache refuses);
 * the wait reads only its `reads`: first in the last command's own exec (read-after.ts; a
 * separate read when the runner or source cannot fuse, or the command drops the device), then
 * while it settles, and takes a change event's snapshot when that comes first. `returnedMs` is
 * when the last command returned, also when fused.
 *
 * Never rejects for host failures: they come back as `status` + `error` (`precondition-failed`,
 * `command-failed`, `unsupported`, `postcondition-mismatch` once the device settled in another
 * state, `timeout` while it was still changing, `aborted`, ssh codes). Timings are ms since
 * issue; `observed` is the expectation's state in words once seen. Rejects only when the fresh
 * snapshot cannot be read (no plan can be made).
 */
// eslint-disable-next-line max-lines-per-function -- one linear flow on purpose: the timing bookkeeping (issued → returned → observed) reads top to bottom.
export async function runOperation(
  ports: HostPorts,
  request: OperationRequest,
  options: RunOperationOptions,
): Promise<OperationOutcome> {
  const issued = ports.clock.now()
  const opId = options.opId ?? `op-${issued.toString(36)}`
  const elapsed = (): number => ports.clock.now() - issued
  const remaining = (): number => Math.max(1, options.timeoutMs - elapsed())
  const progress = (phase: OperationProgress['phase'], message: string): void =>
    options.onProgress?.({ opId, hostId: ports.hostId, phase, message, elapsedMs: elapsed() })
  const changes: Change[] = []
  const unsubscribe = ports.source.onChange((_s, diff) => changes.push(...diff.changes))
  const commands: CommandRecord[] = []
  let returnedMs: number | null = null
  let observedMs: number | null = null
  let observed: string | undefined
  let before: HostSnapshot | undefined
  let after: HostSnapshot | undefined
  let thePlan: OperationPlan | undefined
  const finish = (status: OperationResult['status'], error?: LabErrorData): OperationOutcome => {
    unsubscribe()
    progress('done', error ? error.message : status)
    const result: OperationResult = {
      opId,
      status,
      commands,
      timings: { issuedAt: new Date(issued).toISOString(), returnedMs, observedMs },
      output: commands.map((c) => c.stdout).join(''),
      ...(before && after ? { diff: { from: before.takenAt, to: after.takenAt, changes } } : {}),
      ...(observed !== undefined ? { observed } : {}),
      ...(error ? { error } : {}),
    }
    if (!thePlan || !before) throw labError('internal', 'operation finished without a plan')
    return { result, plan: thePlan, before, after }
  }
  const op = operationFor(request)
  try {
    progress('precondition', 'reading a fresh snapshot')
    const read = (parts: readonly DiscoveryPart[]): Promise<HostSnapshot> =>
      ports.source.snapshot({
        fresh: true,
        parts,
        ...(options.signal ? { signal: options.signal } : {}),
      })
    const planOf = (snap: HostSnapshot): OperationPlan =>
      plan(request, snap, {
        hostId: ports.hostId,
        target: options.target ?? ports.runner.target,
        ...(options.faultOptions ? { faultOptions: options.faultOptions } : {}),
      })
    const planReads = scopedParts(op.planReads, request)
    before = await read(op.planOnCache ? [] : planReads)
    thePlan = planOf(before)
    if (!thePlan.precondition.ok && op.planOnCache) {
      before = await read(planReads)
      thePlan = planOf(before)
    }
    if (!thePlan.precondition.ok) {
      const message = `precondition of ${request.op} failed: ${thePlan.precondition.reasons.join('; ')}`
      return finish('failed', { code: 'precondition-failed', message, host: ports.runner.target })
    }
    const support = op.probe?.(request, before) ?? null
    if (support) {
      const { command } = support
      const probe = await execRecord(ports.runner, command, remaining(), options.signal)
      if (probe.code !== 0) {
        const message = support.unsupported(ports.runner.target)
        return finish('failed', { code: 'unsupported', message, command })
      }
    }
    const expectation = op.expectation(request, before)
    const drop = op.dropReason(request, before)
    const reads = scopedParts(op.reads, request)
    const run = await runCommands(thePlan.commands, commands, {
      runner: ports.runner,
      remaining,
      signal: options.signal,
      drop,
      onCommand: (c) => progress('command', c),
      // A command that drops the device (or the connection) is verified by reads of their own.
      prepare: () => (expectation && !drop ? ports.source.prepareRead?.(reads) : undefined),
    })
    returnedMs = elapsed() - (run.read?.after.durationMs ?? 0)
    // Landed also after a failed command: the live view shows what the host is left in.
    const initial = run.read?.prepared.land(run.read.after.stdout, run.read.after.durationMs)
    if (run.failed) return finish('failed', run.failed)
    if (expectation) {
      progress('waiting', expectation.text)
      const verdict = await awaitExpectation(ports.source, ports.clock, expectation, {
        host: ports.runner.target,
        subject: op.subject(request),
        ...deviceOf(request),
        commands: thePlan.commands,
        parts: reads,
        ...(initial ? { initial } : {}),
        timeoutMs: remaining(),
        ...(options.settleMs !== undefined ? { settleMs: options.settleMs } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      })
      after = verdict.after
      observed = verdict.observed
      observedMs = elapsed()
      if (verdict.mismatch) return finish('failed', verdict.mismatch)
    }
    return finish('ok')
  } catch (err) {
    const data = { ...toErrorData(err) }
    if (err instanceof LabError && err.code === 'timeout' && thePlan) {
      data.message = `not observed within ${options.timeoutMs} ms: ${thePlan.expect}`
    }
    if (!thePlan || !before) {
      unsubscribe()
      throw err instanceof LabError ? err : labError('internal', data.message, {}, err)
    }
    return finish(statusOf(data), data)
  }
}
