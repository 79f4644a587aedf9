import { LabError, toErrorData } from '../../contract'
import type {
  HostSnapshot,
  LabErrorData,
  DrillParams,
  DrillProgress,
  DrillReport,
  Finding,
  StepRecord,
} from '../../contract'
import { DRILLS } from './drills'
import { StepFailure, type ResolvedRequest } from './drill-types'
import { StepRunner } from './step-runner'
import { UNVERIFIED } from './drill-types'
import { drillVerdict } from './drills/drill'
import { identityOf } from './host-identity'
import { foldJournal, JournalWriter, reportOf } from './journal'
import type { CommandTrail } from './audit'
import type { HostLink } from './host-link'
import { INJECT_PROBE } from './operations'
import type { HostPorts, JournalStore } from './ports'
import { isConnectionLoss, isConnectionLossError } from './reconnect'
import { restoreChanges, type RestoreOutcome } from './restore-run'

export { restoreChanges, type RestoreInput, type RestoreOutcome } from './restore-run'

/**
 * Runs one drill end to end: locks (in-process + remote flock), baseline, iterations with
 * stop-on-failure and cancel, restore of only what changed (also after failure or abort),
 * journal and the final report.
 */

/** What a drill run needs beyond the request and its link. */
export interface DrillRunDeps {
  readonly target: string
  readonly store: JournalStore
  /** `<user> from <console host> since <ISO time>`. */
  readonly owner: string
  readonly runId: string
  readonly signal: AbortSignal
  readonly onProgress?: (progress: DrillProgress) => void
  /** Audits every command under the step running it (audit.ts). */
  readonly trail?: CommandTrail
}

async function probeFaults(
  ports: HostPorts,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  const r = await ports.runner.exec(INJECT_PROBE, { timeoutMs, signal })
  return r.code === 0
}

/** What the drill reads before its first step. */
interface Opening {
  readonly baseline: HostSnapshot
  readonly faultSupported: boolean
}

/**
 * The baseline snapshot and the fault-injection probe. A lost connection is waited out once
 * (`HostLink.reconnect`, up to `timeoutMs`); resolves with the error data when the host stays
 * silent.
 */
async function opening(
  deps: DrillRunDeps,
  link: HostLink,
  timeoutMs: number,
): Promise<Opening | LabErrorData> {
  const { signal } = deps
  const ports = link.ports
  const read = async (): Promise<Opening> => ({
    baseline: await ports.source.snapshot({ fresh: true, signal }),
    faultSupported: await probeFaults(ports, timeoutMs, signal),
  })
  try {
    return await read()
  } catch (err) {
    if (!isConnectionLossError(err)) throw err
  }
  const back = await link.reconnect({ timeoutMs, signal })
  if (back.kind === 'offline') {
    if (isConnectionLoss(back.error.code)) return back.error
    throw new LabError(back.error)
  }
  try {
    return await read()
  } catch (err) {
    if (!isConnectionLossError(err)) throw err
    return toErrorData(err)
  }
}

/** Closes a run whose host could not be read at the start: one `baseline` step says why. */
function unreachable(
  deps: DrillRunDeps,
  ports: HostPorts,
  journal: JournalWriter,
  params: DrillParams,
  err: LabErrorData,
): Promise<DrillReport> {
  const message = `SSH connection lost before the first step (${deps.target}): ${err.message}`
  const step = { name: 'baseline', status: 'error' } as const
  const finding = { severity: 'error', invariant: 'connection-lost', message } as const
  return closeWithOneStep({ deps, ports, journal, params }, step, finding, 'error')
}

/** What closing a run needs. */
interface CloseScope {
  readonly deps: DrillRunDeps
  readonly ports: HostPorts
  readonly journal: JournalWriter
  readonly params: DrillParams
}

/**
 * Closes a run that ran nothing: one zero-length step (`name`, `status`) carrying one finding,
 * then the `end` line with `status` and the finding's message as the error.
 */
async function closeWithOneStep(
  scope: CloseScope,
  { name, status }: Pick<StepRecord, 'name' | 'status'>,
  finding: Pick<Finding, 'severity' | 'invariant' | 'message'>,
  end: DrillReport['status'],
): Promise<DrillReport> {
  const { deps, ports, journal, params } = scope
  const step: StepRecord = {
    ...{ name, status, durationMs: 0, iteration: 1 },
    startedAt: new Date(ports.clock.now()).toISOString(),
    ...{ commands: [], returnedMs: null, observedMs: null },
  }
  const findings: Finding[] = [{ ...finding, step: name, iteration: 1 }]
  await journal.append({ t: 'step', step, records: [], findings })
  return closeRun(deps, ports, journal, params, end, finding.message)
}

/**
 * Runs a drill over a link holding the device's locks (`HostLink.take`). Never rejects for drill
 * failures or a lost SSH connection: the report says `passed` / `failed` / `error` / `aborted`,
 * and a connection lost anywhere is a `connection-lost` finding on the step it interrupted, waited
 * out (up to `timeoutMs`), followed by a fresh snapshot and the restore. After a reconnect the
 * remote lock is retaken (`HostLink.retakeLock`) before the next command; when another console took
 * it meanwhile, a `fatal` `lock-lost` finding ends the drill `error`, the restore is skipped (the
 * device is theirs) and the in-process lock is released. Rejects only when the journal cannot be
 * written (or for an internal bug).
 */
export async function runDrill(
  deps: DrillRunDeps,
  request: ResolvedRequest,
  link: HostLink,
): Promise<DrillReport> {
  const { store, runId } = deps
  const ports = link.ports
  const params = request.params
  const journal = new JournalWriter(store, runId)
  const def = DRILLS[request.kind]
  deps.trail?.at('baseline', 'fault-injection probe')
  const opened = await opening(deps, link, params.timeoutMs)
  const baseline = 'baseline' in opened ? opened.baseline : undefined
  await journal.append({
    t: 'start',
    runId,
    hostId: ports.hostId,
    target: deps.target,
    drill: request.kind,
    device: request.device,
    params,
    startedAt: new Date(ports.clock.now()).toISOString(),
    owner: deps.owner,
    ...(baseline ? { hostName: baseline.host.name, kernel: baseline.host.kernel } : {}),
    identity: identityOf(ports.runner, baseline),
  })
  if (!('baseline' in opened)) return unreachable(deps, ports, journal, params, opened)
  const { faultSupported } = opened
  const verdict = drillVerdict(def, opened.baseline, request.device, faultSupported)
  const blockers = verdict.blockers
  const ctx = new StepRunner({
    link,
    ...(deps.trail ? { trail: deps.trail } : {}),
    ports,
    target: deps.target,
    device: request.device,
    params,
    runId,
    signal: deps.signal,
    journal,
    baseline: opened.baseline,
    faultSupported,
    ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
  })
  let status: DrillReport['status']
  let error: string | undefined
  if (verdict.notApplicable !== null)
    return notApplicable(deps, ports, journal, params, verdict.notApplicable)
  if (blockers.length > 0) {
    status = 'error'
    error = blockers.join('; ')
    await ctx
      .checkStep(
        'drill precondition',
        blockers.map((b) => precondFinding(b)),
      )
      .catch(() => undefined)
  } else {
    const outcome = await iterate(ctx, def.iterate, params)
    status = outcome.status
    error = outcome.error
  }
  const restore = await restoreChanges({
    link,
    ...(deps.trail ? { trail: deps.trail } : {}),
    journal,
    target: deps.target,
    timeoutMs: params.timeoutMs,
    changes: ctx.changes(),
    done: new Set(),
    ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
    runId,
    iterations: params.iterations,
  })
  // The device belongs to whoever took its lock while we were disconnected: hand it over.
  if (restore.skipped) link.releaseLocal()
  const end = endStatus(restore, status, error)
  return closeRun(deps, ports, journal, params, end.status, end.error)
}

/**
 * Closes a run whose drill does not apply to the device: one `skipped` step with the reason as
 * an info finding, nothing run, nothing to restore; status `not-applicable`.
 */
function notApplicable(
  deps: DrillRunDeps,
  ports: HostPorts,
  journal: JournalWriter,
  params: DrillParams,
  reason: string,
): Promise<DrillReport> {
  const step = { name: 'applicability', status: 'skipped' } as const
  const message = `not applicable: ${reason}`
  const finding = { severity: 'info', invariant: 'applicability', message } as const
  return closeWithOneStep({ deps, ports, journal, params }, step, finding, 'not-applicable')
}

/** The run's final status and error text once the restore pass is known. */
function endStatus(
  restore: RestoreOutcome,
  status: DrillReport['status'],
  error: string | undefined,
): { status: DrillReport['status']; error: string | undefined } {
  if (restore.skipped) return { status: 'error', error: `drill stopped: ${restore.skipped}` }
  if (status !== 'passed') return { status, error }
  if (restore.failed.length > 0)
    return { status: 'error', error: `restore failed: ${restore.failed.join(', ')}` }
  if (restore.lost) return { status: 'error', error: 'SSH connection lost during the restore' }
  return { status, error }
}

/** Writes the `end` line, reads the report back from the journal, pushes the closing progress. */
async function closeRun(
  deps: DrillRunDeps,
  ports: HostPorts,
  journal: JournalWriter,
  params: DrillParams,
  status: DrillReport['status'],
  error: string | undefined,
): Promise<DrillReport> {
  const { runId } = deps
  await journal.append({
    t: 'end',
    status,
    finishedAt: new Date(ports.clock.now()).toISOString(),
    ...(error ? { error } : {}),
  })
  const report = reportOf(foldJournal(await deps.store.readRun(runId)))
  const last = report.steps.at(-1)
  // One closing progress event carries the final status to live views.
  if (last) {
    const iteration = last.iteration ?? params.iterations
    deps.onProgress?.({
      runId,
      hostId: ports.hostId,
      iteration,
      iterations: params.iterations,
      step: last,
      findings: [],
      status,
    })
  }
  return report
}

function precondFinding(message: string): Finding {
  return { severity: 'error', invariant: 'drill-precondition', message, step: 'drill precondition' }
}

async function iterate(
  ctx: StepRunner,
  body: (ctx: StepRunner) => Promise<void>,
  params: DrillParams,
): Promise<{ status: DrillReport['status']; error?: string }> {
  let errored: string | undefined
  try {
    await ctx.begin()
    for (let i = 1; i <= params.iterations; i++) {
      ctx.iteration = i
      try {
        await body(ctx)
      } catch (err) {
        if (!(err instanceof StepFailure)) {
          // A snapshot read between two steps lost the connection: record it, wait it out.
          if (!isConnectionLossError(err) || ctx.env.signal.aborted) throw err
          await ctx.lostBetweenSteps(err)
        }
        // Resume with the next iteration once reconnected; stop when the host is gone.
        if (params.stopOnFailure || ctx.offline) break
      }
    }
  } catch (err) {
    const data = toErrorData(err)
    if (data.code === 'aborted' || ctx.env.signal.aborted)
      return { status: 'aborted', error: data.message }
    errored = data.message
    // The step that was running (a wait hit by a dropped connection) is recorded as `error`
    // with what happened; anything else becomes a drill-level finding.
    if (!(await ctx.abandonRunning(err))) {
      await ctx
        .checkStep('drill error', [
          { ...precondFinding(data.message), invariant: 'drill-error', step: 'drill error' },
        ])
        .catch(() => undefined)
    }
  }
  // A lost connection is the drill's error, not the kernel's failure (unless it rebooted).
  const bad = ctx.findings.some(
    (f) =>
      f.invariant !== 'drill-error' &&
      f.invariant !== 'connection-lost' &&
      f.invariant !== 'lock-lost' &&
      !UNVERIFIED.has(f.invariant) &&
      (f.severity === 'error' || f.severity === 'fatal'),
  )
  if (bad) return { status: 'failed', ...(errored ? { error: errored } : {}) }
  if (errored || ctx.steps.some((s) => s.status === 'error'))
    return { status: 'error', ...(errored ? { error: errored } : {}) }
  return { status: 'passed' }
}
