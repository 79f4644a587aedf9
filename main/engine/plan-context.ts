import { labError } from '../../contract'
import type { Finding, HostSnapshot, OperationRequest, PlannedStep } from '../../contract'
import { DrillContext, type OpOptions } from './drill-context'
import type { DrillEnv, ResolvedParams, StepChecks } from './drill-types'
import type { Link } from './host-link'
import { operationFor, type DroppingCommand } from './operations'
import { plan } from './plan'
import type { CommandRunner, HostPorts, SnapshotSource } from './ports'
import type { OperationOutcome } from './run-operation'

/**
 * The planning context (issue 21 item 1): runs a drill's own procedure (drills/*.ts) without
 * touching the host. Each step is recorded with the exact commands its operation module gives on
 * the host as it will be by then: the baseline, moved on by each operation's `project` (mode, VF
 * count, driver, module), so `ensure*` steps appear only when the state differs. Waits and checks
 * are recorded as steps that pass. Any I/O attempt is a bug and rejects `internal`.
 */

/** An operation the plan will run, with the host it will run on (for blast radius, tracking). */
export interface PlannedRequest {
  readonly request: OperationRequest
  readonly before: HostSnapshot
}

/** Where the plan is for: host id, target and what the drill is bound to. */
export interface PlanScope {
  readonly hostId: string
  readonly target: string
  readonly device: string
  readonly params: ResolvedParams
  readonly baseline: HostSnapshot
  readonly faultSupported: boolean
}

/** Records a drill's steps (see the module comment). */
export class PlanContext extends DrillContext {
  /** Steps in the order the procedure takes them, per iteration planned. */
  readonly steps: PlannedStep[] = []
  readonly requests: PlannedRequest[] = []
  private now: HostSnapshot

  constructor(scope: PlanScope) {
    super(planEnv(scope))
    this.now = scope.baseline
  }

  /** The host as it will be at this point of the drill. */
  snapshot(): Promise<HostSnapshot> {
    return Promise.resolve(this.now)
  }

  /** Records the operation's commands on the projected host and moves the projection on. */
  op(name: string, request: OperationRequest, options: OpOptions = {}): Promise<OperationOutcome> {
    const before = this.now
    const p = plan(request, before, {
      hostId: this.env.ports.hostId,
      target: this.env.target,
      ...(options.faultOptions ? { faultOptions: options.faultOptions } : {}),
    })
    const why = p.precondition.ok
      ? ''
      : ` (if the host is as planned: ${p.precondition.reasons.join('; ')})`
    this.steps.push({
      name,
      kind: 'operation',
      commands: p.commands,
      expect: `${p.expect}${why}`,
      destructive: p.destructive,
    })
    this.advance(request)
    const result = {
      opId: 'plan',
      status: 'ok' as const,
      commands: [],
      timings: { issuedAt: new Date(0).toISOString(), returnedMs: null, observedMs: null },
      // Non-empty, so a drill checking an output (a dump) plans no extra step for an empty one.
      output: '(planned)',
    }
    return Promise.resolve({ result, plan: p, before, after: this.now })
  }

  /** A wait: no command; it passes in the plan, its expectation says how it can end. */
  waitStep(
    name: string,
    _predicate: (s: HostSnapshot) => boolean,
    _explain: (s: HostSnapshot) => Finding[],
    _checks?: StepChecks,
    minSettleMs = 0,
  ): Promise<HostSnapshot | undefined> {
    const settle = Math.max(this.params.settleMs, minSettleMs)
    this.steps.push({
      name,
      kind: 'wait',
      commands: [],
      expect:
        `${name}; fails once the device has shown no change for ${settle} ms without it ` +
        `(settle window), at the latest after ${this.params.timeoutMs} ms`,
      destructive: false,
    })
    return Promise.resolve(this.now)
  }

  /** A check computed from snapshots: no command. */
  checkStep(name: string): Promise<void> {
    this.steps.push({ name, kind: 'check', commands: [], destructive: false })
    return Promise.resolve()
  }

  /** Every lane's commands in order; `affects` move the projection on. */
  race(
    name: string,
    lanes: readonly (readonly DroppingCommand[])[],
    affects: readonly OperationRequest[],
  ): Promise<void> {
    const commands = lanes.flatMap((lane) => lane.map((c) => c.command))
    this.steps.push({
      name,
      kind: 'race',
      commands,
      expect: `${lanes.length} lanes run concurrently; non-zero exits (EBUSY) are noted, not failures`,
      destructive: true,
    })
    for (const r of affects) this.advance(r)
    return Promise.resolve()
  }

  expectFatal(): void {}

  private advance(request: OperationRequest): void {
    this.requests.push({ request, before: this.now })
    this.now = operationFor(request).project?.(request, this.now) ?? this.now
  }
}

/** A `DrillEnv` whose every port rejects: a plan does no I/O. */
function planEnv(scope: PlanScope): DrillEnv {
  const noIo = (what: string) => labError('internal', `a drill plan does no I/O (${what})`)
  const runner: CommandRunner = {
    target: scope.target,
    exec: () => Promise.reject(noIo('exec')),
    stream: () => {
      throw noIo('stream')
    },
  }
  const source: SnapshotSource = {
    snapshot: () => Promise.reject(noIo('snapshot')),
    onChange: () => () => undefined,
    waitFor: () => Promise.reject(noIo('wait')),
  }
  const ports: HostPorts = { hostId: scope.hostId, runner, source, clock: { now: () => 0 } }
  const refuse = () => Promise.reject(noIo('link'))
  const link: Link = {
    ports,
    target: scope.target,
    lost: false,
    takenBy: undefined,
    on: () => () => undefined,
    reconnect: refuse,
    retakeLock: refuse,
    recover: refuse,
    read: refuse,
    releaseLocal: () => undefined,
    release: () => undefined,
  }
  return {
    ports,
    target: scope.target,
    device: scope.device,
    params: scope.params,
    runId: 'plan',
    signal: new AbortController().signal,
    journal: { append: () => Promise.reject(noIo('journal')) },
    baseline: scope.baseline,
    faultSupported: scope.faultSupported,
    link,
  }
}
