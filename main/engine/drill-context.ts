import type { CommandRecord, Finding, HostSnapshot, OperationRequest } from '../../contract'
import type { DiscoveryPart } from '../host/discovery-script'
import type { ResolvedParams, DrillEnv, StepChecks } from './drill-types'
import type { FindingPlace } from './invariants'
import { operationFor, type DroppingCommand, type FaultOptions } from './operations'
import type { OperationOutcome } from './run-operation'
import { familyOf, findDevice, modeOf, sriovOf, type DriverFamily } from './snapshot-query'

/**
 * What a drill's procedure (drills/*.ts) sees: the steps it can take and the state it reads.
 * Two contexts implement it: `StepRunner` (step-runner.ts) runs the steps on the host, checks the
 * invariants after each, journals and reports them; `PlanContext` (plan-context.ts) only records
 * them with their exact commands, for `planDrill()`. The same procedure therefore drives both
 * the plan a user confirms and the run.
 */

export { StepFailure, type DrillEnv, type StepChecks } from './drill-types'

/** Options of one operation step. */
export interface OpOptions {
  readonly checks?: StepChecks
  /** A failed operation is an `info` finding and the iteration goes on. */
  readonly allowFailure?: boolean
  readonly faultOptions?: FaultOptions
}

/** The steps a drill takes and the helpers built on them (see the module comment). */
export abstract class DrillContext {
  /** The iteration running now, 1-based. */
  iteration = 1

  constructor(readonly env: DrillEnv) {}

  /** Drill parameters as the engine resolved them (`vfs` is a count). */
  get params(): ResolvedParams {
    return this.env.params
  }

  /** The devlink handle under test. */
  get device(): string {
    return this.env.device
  }

  /** The driver family of the device under test, as the drill's baseline shows it. */
  get family(): DriverFamily {
    return familyOf(findDevice(this.env.baseline, this.env.device), this.env.device)
  }

  /** Where a finding of step `step` goes. */
  place(step: string): FindingPlace {
    return { step, iteration: this.iteration }
  }

  /**
   * The host now (a fresh read when running; the projected state when planning). `parts`
   * limits the fresh read to those discovery parts, the rest from the event-driven cache.
   */
  abstract snapshot(parts?: readonly DiscoveryPart[]): Promise<HostSnapshot>

  /**
   * Runs one operation as a step. A failed operation ends the iteration unless `allowFailure`.
   * Resolves with the outcome (`after` = the snapshot that met the postcondition).
   */
  abstract op(
    name: string,
    request: OperationRequest,
    options?: OpOptions,
  ): Promise<OperationOutcome>

  /**
   * A step that waits until `predicate` holds, or ends failed once the device settled without
   * it (settle window `params.settleMs`, at least `minSettleMs` where the kernel is known to act
   * only after a quiet while, e.g. a poll interval); `explain` turns the last snapshot into
   * findings. Resolves with the satisfying snapshot or undefined.
   */
  abstract waitStep(
    name: string,
    predicate: (s: HostSnapshot) => boolean,
    explain: (s: HostSnapshot) => Finding[],
    checks?: StepChecks,
    minSettleMs?: number,
  ): Promise<HostSnapshot | undefined>

  /** Adds findings computed by the drill itself as a zero-command step (e.g. isolation). */
  abstract checkStep(name: string, findings: Finding[], records?: CommandRecord[]): Promise<void>

  /**
   * Runs command lanes concurrently (each lane in order), tolerating non-zero exits (EBUSY is the
   * point of a race), then records every command. `affects` are tracked for restore first.
   */
  abstract race(
    name: string,
    lanes: readonly (readonly DroppingCommand[])[],
    affects: readonly OperationRequest[],
  ): Promise<void>

  /** Declares that this drill raises fw_fatal errors itself (no `fw-fatal` finding for them). */
  abstract expectFatal(): void

  /** Sets the E-Switch mode unless it already is `mode`. */
  async ensureMode(mode: 'legacy' | 'switchdev'): Promise<void> {
    if (modeOf(findDevice(await this.snapshot(), this.device)) === mode) return
    await this.op(`eswitch mode ${mode}`, { op: 'eswitch-mode', device: this.device, mode })
  }

  /** Sets the VF count unless it already is `count`. */
  async ensureVfs(count: number): Promise<void> {
    if (sriovOf(findDevice(await this.snapshot(), this.device))?.numvfs === count) return
    await this.op(`vf count ${count}`, { op: 'vf-count', device: this.device, count })
  }

  /**
   * Loads or unloads mlx5_ib unless it already is in that state. Only mlx5 devices have IB
   * representors: for any other driver this does nothing.
   */
  async ensureIb(loaded: boolean): Promise<void> {
    if (this.family !== 'mlx5_core') return
    if ((await this.snapshot()).host.modules.mlx5_ib === loaded) return
    await this.op(`${loaded ? 'load' : 'unload'} mlx5_ib`, {
      op: 'module',
      module: 'mlx5_ib',
      action: loaded ? 'load' : 'unload',
    })
  }

  /** The commands of a request against the current snapshot, with its drop reason (races). */
  async commands(request: OperationRequest): Promise<DroppingCommand[]> {
    const snapshot = await this.snapshot()
    const op = operationFor(request)
    const drop = op.dropReason(request, snapshot)
    return op.commands(request, snapshot, {}).map((command) => ({ command, drop }))
  }
}
