import { labError, toErrorData } from '../../contract'
import type { DrillPlan, DrillProgress, DrillReport, DrillStartRequest } from '../../contract'
import { CommandTrail, type AuditEvent, type EngineAudit } from './audit'
import { planDrill, type PastRun } from './drill-plan'
import { runDrill } from './drill-runner'
import type { ResolvedParams } from './drill-types'
import { HostLink } from './host-link'
import { foldJournal, scanJournal, type JournalRun } from './journal'
import { historyEntry } from './journal-history'
import type { DeviceLocks } from './locks'
import { INJECT_PROBE } from './operations'
import type { Clock, HostPorts, JournalStore } from './ports'

/**
 * Starting a drill (the `Engine` facade's `planDrill` and `startDrill`): the plan on a fresh
 * read of the host, the checks that refuse a request before anything is journaled (a bad request
 * is `invalid-request`, VFs in use are `in-use` unless forced; neither is stored as a run), then
 * the link with the device's locks, the audit trail of every command, and the run itself.
 */

/** How many earlier runs of the same drill on the same device the estimate reads at most. */
const HISTORY_RUNS = 5

/**
 * The plan of `req` on the host now: a fresh snapshot, the fault-injection probe (read-only)
 * and up to five earlier finished runs of the drill on the device (for the estimate).
 */
export async function planOn(
  req: DrillStartRequest,
  ports: HostPorts,
  journal: JournalStore,
): Promise<DrillPlan> {
  const snapshot = await ports.source.snapshot({ fresh: true })
  const probe = await ports.runner.exec(INJECT_PROBE, { timeoutMs: req.params.timeoutMs })
  return planDrill({
    hostId: req.hostId,
    target: ports.runner.target,
    request: req,
    snapshot,
    faultSupported: probe.code === 0,
    history: await pastRuns(req, journal),
  })
}

/** Earlier passed or failed runs of `req`'s drill on its host and device, newest first. */
async function pastRuns(req: DrillStartRequest, journal: JournalStore): Promise<PastRun[]> {
  const out: PastRun[] = []
  const ids = (await journal.listRuns().catch(() => [])).reverse()
  for (const runId of ids) {
    if (out.length >= HISTORY_RUNS) break
    const lines = await journal.readRun(runId).catch(() => null)
    if (!lines) continue
    const s = historyEntry(runId, scanJournal(lines))
    const same = s.hostId === req.hostId && s.drill === req.kind && s.device === req.device
    if (!same || (s.status !== 'passed' && s.status !== 'failed') || !s.finishedAt) continue
    const run = foldJournal(lines)
    const durationMs = Date.parse(s.finishedAt) - Date.parse(s.startedAt)
    if (Number.isFinite(durationMs))
      out.push({ durationMs, iterations: run.start.params.iterations })
  }
  return out
}

/**
 * The refusal of a plan that cannot start: `invalid-request` naming every problem, or `in-use`
 * naming the VFs (unless `force`); null when it can start (a drill that does not apply starts
 * and ends `not-applicable`, as before).
 */
export function refusalOf(plan: DrillPlan, force: boolean): Error | null {
  const where = { host: plan.target, device: plan.device }
  if (plan.problems.length > 0)
    return labError(
      'invalid-request',
      `${plan.kind} on ${plan.device} of ${plan.hostName}: ${plan.problems.join('; ')}`,
      where,
    )
  if (plan.refusal && !force) return labError('in-use', plan.refusal, where)
  return null
}

/** The audit entry of a drill refused because it would disturb VFs in use. */
export function refusedEntry(
  req: DrillStartRequest,
  plan: DrillPlan,
  clock: Clock,
  session: string | undefined,
): AuditEvent {
  return {
    hostId: req.hostId,
    target: plan.target,
    device: req.device,
    action: `drill ${req.kind}`,
    status: 'refused: VFs in use',
    startedMs: clock.now(),
    commands: [],
    session,
  }
}

/** What `launchDrill` needs from the engine. */
export interface LaunchDeps {
  readonly ports: HostPorts
  readonly locks: DeviceLocks
  readonly journal: JournalStore
  readonly audit: EngineAudit
  readonly runId: string
  /** `<user> from <console host> since <ISO time>`. */
  readonly owner: string
  readonly signal: AbortSignal
  readonly session?: string | undefined
  readonly onProgress?: ((p: DrillProgress) => void) | undefined
  /** Reads the run back (for the drill's closing audit entry). */
  readonly readRun: (runId: string) => Promise<JournalRun>
}

/**
 * Takes the link (both locks; rejects `host-busy` naming the holder), audits the drill's start
 * and every command it sends (`CommandTrail`), and runs it in the background with the plan's
 * resolved parameters. Resolves once it runs, with `done`, the promise of its report; the drill's audit
 * entry is updated with the outcome (same id), also when the run rejects.
 */
export async function launchDrill(
  deps: LaunchDeps,
  req: DrillStartRequest,
  params: ResolvedParams,
): Promise<{ readonly done: Promise<DrillReport> }> {
  const { ports: p, runId, audit } = deps
  const scope = { hostId: req.hostId, target: p.runner.target, device: req.device, runId }
  const trail = new CommandTrail(audit, { ...scope, session: deps.session })
  const ports: HostPorts = { ...p, runner: trail.wrap(p.runner) }
  trail.at('lock', 'lock')
  const link = await HostLink.take(ports, deps.locks, req.device, deps.owner, {
    timeoutMs: params.timeoutMs,
    signal: deps.signal,
  })
  const startedMs = p.clock.now()
  const entry = (status: string, run?: JournalRun) =>
    audit.record({
      ...scope,
      id: `drill-${runId}`,
      action: `drill ${req.kind} (run ${runId})`,
      status,
      startedMs,
      commands: (run?.steps ?? []).flatMap((e) => e.records),
      session: deps.session,
    })
  await entry('started')
  const run = { target: p.runner.target, store: deps.journal, runId, signal: deps.signal }
  const done = runDrill(
    {
      ...run,
      owner: deps.owner,
      trail,
      ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
    },
    { ...req, params },
    link,
  )
    .finally(() => link.release())
    .then(
      async (report) => {
        await entry(report.status, await deps.readRun(runId).catch(() => undefined))
        return report
      },
      async (err: unknown) => {
        await entry(`error: ${toErrorData(err).message}`)
        throw err
      },
    )
  return { done }
}
