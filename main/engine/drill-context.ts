import { LabError, labError, toErrorData } from '../../contract'
import type {
  CommandRecord,
  DrillParams,
  Finding,
  HostSnapshot,
  OperationRequest,
  StepRecord,
} from '../../contract'
import { lockFindings, lostFindings, type LostContext } from './connection-lost'
import { DmesgCursor, dmesgLostFinding } from './dmesg'
import { FatalWatch } from './fatal-watch'
import { StepFailure, stepChecker, UNVERIFIED, type DrillEnv, type StepChecks } from './drill-types'
import type { StepOutcome } from './drill-types'
import { checkSplats, type FindingPlace } from './invariants'
import { operationFor, type DroppingCommand, type FaultOptions } from './operations'
import { changeKey, type TrackedChange } from './restore'
import { isConnectionLoss, isConnectionLossError } from './reconnect'
import { raceNotes, runLanes } from './race-lanes'
import { runOperation, type OperationOutcome } from './run-operation'
import { SnapshotIssueWatch, unreadableFinding } from './snapshot-issues'
import { familyOf, findDevice, modeOf, sriovOf, type DriverFamily } from './snapshot-query'

/**
 * The step machinery every drill uses: each step runs, then the invariants are awaited (event
 * driven, up to `timeoutMs`) and the dmesg delta is scanned; the step is journaled (fsynced)
 * before the next one starts, and progress is pushed.
 */

export { StepFailure, type DrillEnv, type StepChecks } from './drill-types'

/** Per-run state of a drill and the helpers its steps call. */
export class DrillContext {
  iteration = 1
  readonly findings: Finding[] = []
  readonly steps: StepRecord[] = []
  private readonly tracked = new Map<string, TrackedChange>()
  private readonly dmesg: DmesgCursor
  /** Info findings waiting for the next step (dmesg unreadable, remote lock retaken). */
  private readonly notes: Finding[] = []
  private readonly fatal: FatalWatch
  /** The step running now, so a drill-level error can still record it. */
  private running: { name: string; startedMs: number } | null = null
  /** Set when a lost SSH connection did not come back within `timeoutMs`: the drill stops. */
  offline = false
  /** Parse issues of the device in the snapshots each step read (snapshot-issues.ts). */
  private readonly issues: SnapshotIssueWatch
  /** What the drill is bound to; its snapshot source notes parse issues for `issues`. */
  readonly env: DrillEnv

  constructor(env: DrillEnv) {
    this.issues = new SnapshotIssueWatch(env.device)
    this.env = { ...env, ports: { ...env.ports, source: this.issues.wrap(env.ports.source) } }
    this.dmesg = new DmesgCursor(env.ports.runner)
    this.fatal = new FatalWatch(this.env)
  }

  /** Drill parameters. */
  get params(): DrillParams {
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

  /** Tracked changes so far (first original value per key). */
  changes(): TrackedChange[] {
    return [...this.tracked.values()]
  }

  /**
   * Positions the dmesg cursor at the end of the log. A connection lost on the way is waited out
   * (`rediscover`, up to `timeoutMs`) and the read tried once more; rejects when that fails too.
   */
  async begin(): Promise<void> {
    const start = (): Promise<void> => this.dmesg.start(this.params.timeoutMs, this.env.signal)
    await start().catch(async (err: unknown) => {
      if (!isConnectionLossError(err)) throw err
      const back = await this.env.link.reconnect(this.wait())
      if (back.kind === 'offline') throw new LabError(back.error)
      await start()
    })
    if (this.dmesg.unavailable) {
      const message = `dmesg unreadable, no splat check: ${this.dmesg.unavailable}`
      this.notes.push({ severity: 'info', invariant: 'no-kernel-splat', message, step: '' })
    }
  }

  /** Declares that this drill raises fw_fatal errors itself (no `fw-fatal` finding for them). */
  expectFatal(): void {
    this.fatal.expect()
  }

  /**
   * Findings for a lost SSH connection during `name`: names the connection, waits (up to
   * `timeoutMs`) for the runner to reconnect and re-discovers the host, then compares the boot id
   * with the drill's baseline and reports a reboot. A host that does not answer again sets
   * `offline`. `where` replaces `during step "<name>"` in the message.
   */
  async connectionLost(name: string, message: string, where?: string): Promise<Finding[]> {
    const recovery = await this.env.link.recover(this.wait())
    const lost = lostFindings(
      recovery,
      this.lostContext(name),
      message,
      where ?? `during step "${name}"`,
    )
    if (lost.offline) this.offline = true
    return lost.findings
  }

  /** The bounds of a link wait: the step timeout and the drill's signal. */
  private wait(): { timeoutMs: number; signal: AbortSignal } {
    return { timeoutMs: this.params.timeoutMs, signal: this.env.signal }
  }

  /** What link findings name: target, device, baseline boot id, and where they go. */
  private lostContext(name: string): LostContext {
    const { target, device, baseline } = this.env
    return { target, device, bootId: baseline.host.bootId, place: this.place(name) }
  }

  /**
   * Records a connection loss outside any step (a snapshot read between two steps) as an
   * `error` step named `connection lost`, after waiting for the reconnect (`connectionLost`).
   */
  async lostBetweenSteps(err: unknown): Promise<void> {
    const name = 'connection lost'
    const last = this.steps.at(-1)?.name
    const where = last ? `after step "${last}"` : 'before the first step'
    const startedMs = this.env.ports.clock.now()
    const findings = await this.connectionLost(name, toErrorData(err).message, where)
    await this.finishStep({ name, startedMs, records: [], findings, error: true }, 'none').catch(
      (e: unknown) => {
        if (!(e instanceof StepFailure)) throw e
      },
    )
  }

  /** Records the step that was running when a drill-level error ended the iteration. */
  async abandonRunning(err: unknown): Promise<boolean> {
    const r = this.running
    if (!r) return false
    await this.failStep(r.name, r.startedMs, err).catch(() => undefined)
    return true
  }

  /** A fresh snapshot. */
  snapshot(): Promise<HostSnapshot> {
    return this.env.ports.source.snapshot({ fresh: true, signal: this.env.signal })
  }

  place(step: string): FindingPlace {
    return { step, iteration: this.iteration }
  }

  /** Journals the items `request` may change (before it runs, so a crash still restores them). */
  async track(request: OperationRequest): Promise<void> {
    for (const c of operationFor(request).tracks(request, this.env.baseline)) {
      const key = changeKey(c)
      if (this.tracked.has(key)) continue
      this.tracked.set(key, c)
      await this.env.journal.append({ t: 'change', change: c })
    }
  }

  /**
   * Runs one operation as a step. A failed operation ends the iteration unless `allowFailure`.
   * Returns the outcome (with `after` = the snapshot that met the postcondition).
   */
  async op(
    name: string,
    request: OperationRequest,
    options: { checks?: StepChecks; allowFailure?: boolean; faultOptions?: FaultOptions } = {},
  ): Promise<OperationOutcome> {
    await this.before(name)
    await this.track(request)
    const startedMs = this.env.ports.clock.now()
    this.running = { name, startedMs }
    let outcome: OperationOutcome
    try {
      outcome = await runOperation(this.env.ports, request, {
        timeoutMs: this.params.timeoutMs,
        signal: this.env.signal,
        target: this.env.target,
        ...(options.faultOptions ? { faultOptions: options.faultOptions } : {}),
      })
    } catch (err) {
      await this.failStep(name, startedMs, err)
      throw new StepFailure(name)
    }
    const r = outcome.result
    if (r.status === 'aborted') throw labError('aborted', `${name} aborted`)
    // A lost connection is never an allowed failure: the step did not run to its end.
    const lost = r.status !== 'ok' && r.error !== undefined && isConnectionLoss(r.error.code)
    const failed = r.status !== 'ok' && (lost || !options.allowFailure)
    const findings: Finding[] = []
    if (lost && r.error) {
      findings.push(...(await this.connectionLost(name, r.error.message)))
    } else if (r.status !== 'ok') {
      const sev = options.allowFailure ? 'info' : 'error'
      findings.push({
        severity: sev,
        invariant: 'operation',
        message: r.error?.message ?? r.status,
        ...this.place(name),
        ...(r.error?.command ? { evidence: r.error.command } : {}),
      })
    }
    await this.finishStep(
      {
        name,
        startedMs,
        records: r.commands,
        findings,
        error: failed,
        returnedMs: r.timings.returnedMs,
        observedMs: r.timings.observedMs,
        ...(r.diff ? { diff: r.diff.changes } : {}),
        ...(outcome.after ? { snapshot: outcome.after } : {}),
      },
      failed ? 'none' : (options.checks ?? 'all'),
    )
    return outcome
  }

  /**
   * A step that waits (event driven) until `predicate` holds; on timeout `explain` turns the
   * last snapshot into findings. Resolves with the satisfying snapshot or undefined.
   */
  async waitStep(
    name: string,
    predicate: (s: HostSnapshot) => boolean,
    explain: (s: HostSnapshot) => Finding[],
    checks: StepChecks = 'all',
  ): Promise<HostSnapshot | undefined> {
    await this.before(name)
    const startedMs = this.env.ports.clock.now()
    this.running = { name, startedMs }
    let found: HostSnapshot | undefined
    let findings: Finding[] = []
    try {
      found = await this.env.ports.source.waitFor(predicate, {
        timeoutMs: this.params.timeoutMs,
        signal: this.env.signal,
      })
    } catch (err) {
      if (!(err instanceof LabError) || err.code !== 'timeout') {
        if (!isConnectionLossError(err)) throw err
        findings = await this.connectionLost(name, err.message)
      } else findings = await this.notObserved(name, explain)
    }
    const observedMs = found ? this.env.ports.clock.now() - startedMs : null
    await this.finishStep(
      {
        name,
        startedMs,
        records: [],
        findings,
        error: findings.some((f) => f.invariant === 'connection-lost'),
        observedMs,
        ...(found ? { snapshot: found } : {}),
      },
      found ? checks : 'none',
    )
    return found
  }

  /** Findings of a wait that timed out: `explain` on a fresh snapshot, or "not observed". */
  private async notObserved(
    name: string,
    explain: (s: HostSnapshot) => Finding[],
  ): Promise<Finding[]> {
    let findings: Finding[]
    try {
      findings = explain(await this.snapshot())
    } catch (err) {
      if (!isConnectionLossError(err)) throw err
      return this.connectionLost(name, err.message)
    }
    if (findings.length > 0) return findings
    return [
      {
        severity: 'error',
        invariant: name,
        message: `${name}: not observed within ${this.params.timeoutMs} ms`,
        ...this.place(name),
      },
    ]
  }

  /** Adds findings computed by the drill itself as a zero-command step (e.g. isolation). */
  async checkStep(name: string, findings: Finding[], records: CommandRecord[] = []): Promise<void> {
    await this.finishStep(
      { name, startedMs: this.env.ports.clock.now(), records, findings, error: false },
      'none',
    )
  }

  /**
   * Runs command lanes concurrently (each lane in order), tolerating non-zero exits (EBUSY is the
   * point of a race), then records every command. `affects` are tracked for restore first. Each
   * command carries the drop reason of the request it came from (`commands()`).
   */
  async race(
    name: string,
    lanes: readonly (readonly DroppingCommand[])[],
    affects: readonly OperationRequest[],
  ): Promise<void> {
    await this.before(name)
    for (const r of affects) await this.track(r)
    const startedMs = this.env.ports.clock.now()
    const records: CommandRecord[] = []
    try {
      await runLanes(this.env.ports.runner, lanes, records, this.params.timeoutMs, this.env.signal)
    } catch (err) {
      await this.failStep(name, startedMs, err, records)
      throw new StepFailure(name)
    }
    const findings = raceNotes(records, this.place(name))
    await this.finishStep(
      {
        name,
        startedMs,
        records,
        findings,
        error: false,
        returnedMs: this.env.ports.clock.now() - startedMs,
      },
      'none',
    )
  }

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

  private throwIfAborted(): void {
    if (this.env.signal.aborted) throw labError('aborted', `drill ${this.env.runId} aborted`)
  }

  /**
   * Before step `name`: cancelled? A remote lock released by a drop no command noticed (the
   * runner reconnected between two commands) is retaken first (`HostLink.retakeLock`); when it
   * cannot be, the step is recorded as `error` with why (`lockFindings`), the drill goes
   * offline, `StepFailure`.
   */
  private async before(name: string): Promise<void> {
    this.throwIfAborted()
    const startedMs = this.env.ports.clock.now()
    const retake = await this.env.link.retakeLock(this.wait())
    const lost = lockFindings(retake, this.lostContext(name), `before step "${name}"`)
    if (!lost?.offline) return void this.notes.push(...(lost?.findings ?? []))
    this.offline = true
    await this.finishStep(
      { name, startedMs, records: [], findings: lost.findings, error: true },
      'none',
    )
  }

  /** Awaits the invariants (up to timeoutMs); findings from the last snapshot on timeout. */
  private async settle(name: string, checks: StepChecks, hint?: HostSnapshot): Promise<Finding[]> {
    const check = stepChecker(checks, this.device)
    if (!check) return []
    const place = this.place(name)
    if (hint && check(hint, place).length === 0) return []
    try {
      await this.env.ports.source.waitFor((s) => check(s, place).length === 0, {
        timeoutMs: this.params.timeoutMs,
        signal: this.env.signal,
      })
      return []
    } catch (err) {
      if (!(err instanceof LabError) || err.code !== 'timeout') throw err
      return check(await this.snapshot(), place)
    }
  }

  private async failStep(
    name: string,
    startedMs: number,
    err: unknown,
    records: CommandRecord[] = [],
  ): Promise<void> {
    const data = toErrorData(err)
    if (data.code === 'aborted') throw err
    const findings: Finding[] = isConnectionLoss(data.code)
      ? await this.connectionLost(name, data.message)
      : [{ severity: 'error', invariant: 'operation', message: data.message, ...this.place(name) }]
    await this.finishStep({ name, startedMs, records, findings, error: true }, 'none')
  }

  /**
   * The checks after a step: invariants awaited (`settle`), an unexpected fw_fatal, the dmesg
   * delta. Rejects with what the host reads reject with (a lost connection included).
   */
  private async afterStep(o: StepOutcome, checks: StepChecks): Promise<Finding[]> {
    const findings = await this.settle(o.name, checks, o.snapshot)
    findings.push(...(await this.fatal.check(o.name, this.place(o.name))))
    const lines = await this.dmesg.delta(this.params.timeoutMs, this.env.signal)
    findings.push(...checkSplats(lines, this.place(o.name)))
    if (this.dmesg.last.lost > 0)
      findings.push(dmesgLostFinding(this.dmesg.last, this.place(o.name)))
    return findings
  }

  /**
   * Checks, journals and reports a step; throws `StepFailure` when it did not pass. A connection
   * lost during the checks (the post-step wait, the dmesg read) makes the step `error` with a
   * `connection-lost` finding, after the reconnect wait. No checks run while `offline`.
   */
  private async finishStep(o: StepOutcome, checks: StepChecks): Promise<void> {
    this.running = { name: o.name, startedMs: o.startedMs }
    const findings = [...o.findings]
    let error = o.error
    findings.push(...this.notes.splice(0).map((n) => ({ ...n, ...this.place(o.name) })))
    try {
      if (!this.offline) findings.push(...(await this.afterStep(o, checks)))
    } catch (err) {
      if (!isConnectionLossError(err)) throw err
      findings.push(...(await this.connectionLost(o.name, err.message)))
      error = true
    }
    this.running = null
    const issues = this.issues.take()
    if (issues.length > 0) findings.push(unreadableFinding(issues, this.device, this.place(o.name)))
    // Unverified is not failed: the step could not be checked (drill-types.ts UNVERIFIED).
    if (findings.some((f) => UNVERIFIED.has(f.invariant) && f.severity !== 'info')) error = true
    const bad = findings.some((f) => f.severity === 'error' || f.severity === 'fatal')
    const step: StepRecord = {
      name: o.name,
      status: error ? 'error' : bad ? 'failed' : 'passed',
      durationMs: this.env.ports.clock.now() - o.startedMs,
      iteration: this.iteration,
      startedAt: new Date(o.startedMs).toISOString(),
      commands: o.records.map((r) => r.command),
      returnedMs: o.returnedMs ?? null,
      observedMs: o.observedMs ?? null,
    }
    await this.env.journal.append({
      t: 'step',
      step,
      records: o.records,
      findings,
      ...(o.diff ? { diff: o.diff } : {}),
    })
    this.steps.push(step)
    this.findings.push(...findings)
    this.env.onProgress?.({
      runId: this.env.runId,
      hostId: this.env.ports.hostId,
      iteration: this.iteration,
      iterations: this.params.iterations,
      step,
      findings,
      status: 'running',
    })
    if (step.status !== 'passed') throw new StepFailure(o.name)
  }
}
