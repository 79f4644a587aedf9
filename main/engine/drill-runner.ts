import { toErrorData } from '../../contract'
import type {
  DrillParams,
  DrillProgress,
  DrillReport,
  DrillStartRequest,
  Finding,
  StepRecord,
} from '../../contract'
import { DRILLS } from './drills'
import { DrillContext, StepFailure } from './drill-context'
import { drillBlockers } from './drills/drill'
import { foldJournal, JournalWriter, reportOf } from './journal'
import type { DeviceLocks } from './locks'
import { acquireRemoteLock, type Release, type RemoteLock } from './locks'
import { INJECT_PROBE } from './op-commands'
import type { HostPorts, JournalStore } from './ports'
import { nextRestore, type TrackedChange } from './restore'
import { runOperation } from './run-operation'

/**
 * Runs one drill end to end: locks (in-process + remote flock), baseline, iterations with
 * stop-on-failure and cancel, restore of only what changed (also after failure or abort),
 * journal and the final report.
 */

/** What a drill run needs beyond the request. */
export interface DrillRunDeps {
  readonly ports: HostPorts
  readonly target: string
  readonly store: JournalStore
  readonly locks: DeviceLocks
  /** `<user> from <console host> since <ISO time>`. */
  readonly owner: string
  readonly runId: string
  readonly signal: AbortSignal
  readonly onProgress?: (progress: DrillProgress) => void
}

/** The locks a drill holds; `release()` drops both. */
export interface HeldLocks {
  release(): void
}

/**
 * Takes the in-process lock, then the remote advisory lock of `device`. Rejects `host-busy`
 * (either lock held), `timeout` or `aborted`; holds nothing on rejection.
 */
export async function takeLocks(
  deps: DrillRunDeps,
  device: string,
  timeoutMs: number,
): Promise<HeldLocks> {
  const local: Release = deps.locks.tryAcquire(`${deps.ports.hostId}|${device}`, deps.owner)
  let remote: RemoteLock
  try {
    remote = await acquireRemoteLock(deps.ports.runner, device, deps.owner, {
      timeoutMs,
      signal: deps.signal,
    })
  } catch (err) {
    local()
    throw err
  }
  return {
    release() {
      remote.release()
      local()
    },
  }
}

async function probeFaults(
  ports: HostPorts,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  const r = await ports.runner.exec(INJECT_PROBE, { timeoutMs, signal })
  return r.code === 0
}

/**
 * Runs a drill whose locks are already held. Never rejects for drill failures: the report says
 * `passed` / `failed` / `error` / `aborted`. Rejects only when the journal cannot be written.
 */
export async function runDrill(
  deps: DrillRunDeps,
  request: DrillStartRequest,
): Promise<DrillReport> {
  const { ports, store, runId } = deps
  const params: DrillParams = request.params
  const journal = new JournalWriter(store, runId)
  const def = DRILLS[request.kind]
  const baseline = await ports.source.snapshot({ fresh: true, signal: deps.signal })
  const faultSupported = await probeFaults(ports, params.timeoutMs, deps.signal)
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
    hostName: baseline.host.name,
    kernel: baseline.host.kernel,
  })
  const blockers = drillBlockers(def.info, baseline, request.device, faultSupported)
  const ctx = new DrillContext({
    ports,
    target: deps.target,
    device: request.device,
    params,
    runId,
    signal: deps.signal,
    journal,
    baseline,
    faultSupported,
    ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
  })
  let status: DrillReport['status']
  let error: string | undefined
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
    ports,
    journal,
    target: deps.target,
    timeoutMs: params.timeoutMs,
    changes: ctx.changes(),
    done: new Set(),
    ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
    runId,
    iterations: params.iterations,
  })
  if (restore.failed.length > 0 && status === 'passed') {
    status = 'error'
    error = `restore failed: ${restore.failed.join(', ')}`
  }
  return closeRun(deps, journal, params, status, error)
}

/** Writes the `end` line, reads the report back from the journal, pushes the closing progress. */
async function closeRun(
  deps: DrillRunDeps,
  journal: JournalWriter,
  params: DrillParams,
  status: DrillReport['status'],
  error: string | undefined,
): Promise<DrillReport> {
  const { ports, runId } = deps
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
  ctx: DrillContext,
  body: (ctx: DrillContext) => Promise<void>,
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
        if (!(err instanceof StepFailure)) throw err
        if (params.stopOnFailure) break
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
  const bad = ctx.findings.some(
    (f) => f.invariant !== 'drill-error' && (f.severity === 'error' || f.severity === 'fatal'),
  )
  if (bad) return { status: 'failed', ...(errored ? { error: errored } : {}) }
  if (errored || ctx.steps.some((s) => s.status === 'error'))
    return { status: 'error', ...(errored ? { error: errored } : {}) }
  return { status: 'passed' }
}

/** Inputs of a restore pass. */
export interface RestoreInput {
  readonly ports: HostPorts
  readonly journal: JournalWriter
  readonly target: string
  readonly timeoutMs: number
  readonly changes: readonly TrackedChange[]
  readonly done: Set<string>
  readonly runId: string
  readonly iterations: number
  readonly onProgress?: (progress: DrillProgress) => void
}

/**
 * Restores tracked items whose current value differs from the original, one operation at a
 * time on a fresh snapshot, in restore order (bind, module, mode, VFs). Runs even after an
 * abort (its own signal). Each attempt is journaled as a `restore` step; `restored` lines mark
 * success. Resolves with the keys restored and those whose restore failed.
 */
export async function restoreChanges(
  input: RestoreInput,
): Promise<{ restored: string[]; failed: string[] }> {
  const restored: string[] = []
  const failed: string[] = []
  const { ports, journal } = input
  for (let guard = 0; guard < input.changes.length * 2 + 1; guard++) {
    const snap = await ports.source.snapshot({ fresh: true })
    const next = nextRestore(input.changes, snap, input.done)
    if (!next) break
    input.done.add(next.key)
    const startedMs = ports.clock.now()
    const { result } = await runOperation(ports, next.request, {
      timeoutMs: input.timeoutMs,
      target: input.target,
    })
    const ok = result.status === 'ok'
    const step: StepRecord = {
      name: `restore ${next.key}`,
      status: ok ? 'passed' : 'error',
      durationMs: ports.clock.now() - startedMs,
      startedAt: new Date(startedMs).toISOString(),
      commands: result.commands.map((c) => c.command),
      returnedMs: result.timings.returnedMs,
      observedMs: result.timings.observedMs,
    }
    const findings: Finding[] = ok
      ? []
      : [
          {
            severity: 'error',
            invariant: 'restore',
            message: `restore of ${next.key} failed: ${result.error?.message ?? result.status}`,
            step: step.name,
          },
        ]
    await journal.append({ t: 'step', step, records: result.commands, findings, restore: true })
    input.onProgress?.({
      runId: input.runId,
      hostId: ports.hostId,
      iteration: input.iterations,
      iterations: input.iterations,
      step,
      findings,
      status: 'running',
    })
    if (ok) {
      await journal.append({ t: 'restored', key: next.key })
      restored.push(next.key)
    } else failed.push(next.key)
  }
  return { restored, failed }
}
