import type {
  Device,
  DrillParams,
  DrillPlan,
  DrillStartRequest,
  HostSnapshot,
  PlannedStep,
} from '../../contract'
import { DRILLS } from './drills'
import type { DrillDefinition } from './drills/drill'
import {
  describeInUse,
  disturbances,
  estimate,
  inUseVfs,
  plannedRestore,
  summedBlast,
  type PastRun,
} from './drill-plan-parts'
import type { ResolvedParams } from './drill-types'
import { StepFailure } from './drill-types'
import { PlanContext } from './plan-context'
import { familyOf, findDevice, sriovOf } from './snapshot-query'

/**
 * `planDrill()`: the plan of a drill before it runs (issue 21 item 1) — every step of an
 * iteration with its exact commands, the summed blast radius, the VFs in use and whether the
 * drill would disturb them, what the restore puts back, how long it should take, and what is
 * wrong with the request. I/O-free (async only because drill procedures are): the same inputs
 * give the same plan. The steps come from the drill's own procedure run on a `PlanContext`,
 * their commands from the operation modules.
 */

export type { PastRun } from './drill-plan-parts'

/** Everything a plan reads. */
export interface DrillPlanInput {
  readonly hostId: string
  /** `user@host:port`. */
  readonly target: string
  /** The request with `DrillParams` defaults applied (`vfs` may be absent). */
  readonly request: DrillStartRequest
  /** The host now (a fresh read). */
  readonly snapshot: HostSnapshot
  readonly faultSupported: boolean
  /** Earlier finished runs of this drill on this device (for the estimate). */
  readonly history?: readonly PastRun[]
}

/** The default settle window of a drill's checks, ms (issue 21 item 5). */
export const DRILL_SETTLE_MS = 3000

/** Parameters with `vfs` resolved, and what is wrong with them on this device. */
export interface Resolved {
  readonly params: ResolvedParams
  readonly problems: string[]
}

/**
 * Resolves and checks a drill's parameters against the device (issue 21 items 2, 3): without
 * `vfs` the drill keeps the current VF count, raised to its minimum; a count below the minimum
 * or above `sriov_totalvfs` (netdevsim: `max_vfs`) is a problem, as is a settle window not
 * shorter than the step timeout. Without `settleMs` the window is `DRILL_SETTLE_MS`, or half the
 * step timeout when that is shorter. (Iterations and timeouts are range-checked by the schema.)
 */
export function resolveParams(def: DrillDefinition, params: DrillParams, device: Device): Resolved {
  const sriov = sriovOf(device)
  const current = sriov?.numvfs ?? 0
  const problems: string[] = []
  const min = def.minVfs
  const vfs = params.vfs ?? Math.max(min ?? 0, current)
  if (min !== undefined) {
    const limit = sriov?.bus === 'netdevsim' ? 'max_vfs' : 'sriov_totalvfs'
    const total = sriov?.totalvfs ?? null
    if (params.vfs !== undefined && params.vfs < min)
      problems.push(`${def.info.kind} needs at least ${min} VF; ${params.vfs} asked`)
    for (const [name, n] of [
      ['VF count', vfs],
      ['alternate VF count', params.vfsAlt],
    ] as const) {
      if (n !== undefined && total !== null && n > total)
        problems.push(`${name} ${n} exceeds ${limit} ${total} of ${device.handle}`)
    }
  }
  if (params.settleMs !== undefined && params.settleMs >= params.timeoutMs)
    problems.push(
      `settle window ${params.settleMs} ms is not shorter than the step timeout ${params.timeoutMs} ms`,
    )
  const settleMs =
    params.settleMs ?? Math.max(50, Math.min(DRILL_SETTLE_MS, Math.floor(params.timeoutMs / 2)))
  return { params: { ...params, vfs, settleMs }, problems }
}

/** The plan (see the module comment). */
export async function planDrill(input: DrillPlanInput): Promise<DrillPlan> {
  const { request, snapshot } = input
  const def = DRILLS[request.kind]
  const device = findDevice(snapshot, request.device)
  const base = {
    hostId: input.hostId,
    target: input.target,
    hostName: snapshot.host.name,
    kind: request.kind,
    device: request.device,
  }
  if (!device) {
    const problem = `device ${request.device} is not present on ${snapshot.host.name}`
    const params = { ...request.params, vfs: request.params.vfs ?? 0, settleMs: DRILL_SETTLE_MS }
    return emptyPlan(base, params, [problem])
  }
  const { params, problems } = resolveParams(def, request.params, device)
  const notApplicable = def.applies({
    device,
    snapshot,
    family: familyOf(device, device.handle),
    faultSupported: input.faultSupported,
  })
  if (problems.length > 0 || notApplicable !== null)
    return { ...emptyPlan(base, params, problems), notApplicable, inUse: inUseVfs(device) }
  const ctx = new PlanContext({
    ...base,
    params,
    baseline: snapshot,
    faultSupported: input.faultSupported,
  })
  const notes: string[] = []
  const first = await iteration(def, ctx, 1, notes)
  const later = params.iterations > 1 ? await iteration(def, ctx, 2, notes) : []
  const inUse = inUseVfs(device)
  const touched = disturbances(ctx.requests, device, inUse)
  const restore = plannedRestore(ctx.requests, snapshot)
  const blastRadius = summedBlast(ctx.requests, inUse)
  const created = missingVfs(ctx, request.device)
  if (created > 0)
    notes.push(
      `${created} VF${created === 1 ? '' : 's'} will be created by the drill: steps naming a VF by its BDF are planned for the VFs that exist now only`,
    )
  return {
    ...base,
    params,
    steps: first,
    repeatSteps: later,
    blastRadius,
    inUse,
    restore,
    estimate: estimate({
      kind: request.kind,
      device: request.device,
      first,
      later,
      iterations: params.iterations,
      restores: restore.length,
      settleMs: params.settleMs,
      timeoutMs: params.timeoutMs,
      history: input.history ?? [],
    }),
    notApplicable: null,
    problems: [],
    refusal:
      touched.length === 0
        ? null
        : `${request.kind} would ${touched.join(', ')} on ${snapshot.host.name} while VFs are in use: ` +
          `${inUse.map(describeInUse).join('; ')}. Force it to run anyway (replab drill run --force; ` +
          'in the console, type the device name).',
    notes,
    confirm:
      `Run ${request.kind} on ${request.device} of host ${hostText(snapshot.host.name, input.target)}? ` +
      `${params.iterations} iteration${params.iterations === 1 ? '' : 's'}; it disturbs ` +
      `${blastRadius.length} item${blastRadius.length === 1 ? '' : 's'} and restores ` +
      `${restore.length} at the end.`,
  }
}

/** `sim-a (root@127.0.0.1:2222)`, or the target alone when it is the host's name (the CLI). */
function hostText(name: string, target: string): string {
  return name === target ? target : `${name} (${target})`
}

/** Runs iteration `n` of the procedure on the plan context; the steps it added. */
async function iteration(
  def: DrillDefinition,
  ctx: PlanContext,
  n: number,
  notes: string[],
): Promise<PlannedStep[]> {
  const from = ctx.steps.length
  ctx.iteration = n
  try {
    await def.iterate(ctx)
  } catch (err) {
    if (!(err instanceof StepFailure))
      notes.push(
        `iteration ${n} could not be planned past step ${ctx.steps.length}: ${String(err)}`,
      )
  }
  return ctx.steps.slice(from)
}

/** VFs the device will have that the snapshot cannot name yet (created by the drill). */
function missingVfs(ctx: PlanContext, handle: string): number {
  let most = 0
  for (const { request } of ctx.requests)
    if (request.op === 'vf-count' && request.device === handle) most = Math.max(most, request.count)
  const known = findDevice(ctx.env.baseline, handle)?.pci?.vfs.length ?? most
  return Math.max(0, most - known)
}

/** A plan with no steps: the request cannot run (`problems`) or the drill does not apply. */
function emptyPlan(
  base: Pick<DrillPlan, 'hostId' | 'target' | 'hostName' | 'kind' | 'device'>,
  params: ResolvedParams,
  problems: string[],
): DrillPlan {
  return {
    ...base,
    params,
    steps: [],
    repeatSteps: [],
    blastRadius: [],
    inUse: [],
    restore: [],
    estimate: { typicalMs: 0, worstMs: 0, basis: 'nothing runs' },
    notApplicable: null,
    problems,
    refusal: null,
    notes: [],
    confirm: `${base.kind} cannot run on ${base.device} of ${base.hostName}: ${problems.join('; ')}`,
  }
}
