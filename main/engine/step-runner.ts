import { LabError, labError, toErrorData } from '../../contract'
import type {
  CommandRecord,
  Finding,
  HostSnapshot,
  OperationRequest,
  StepRecord,
} from '../../contract'
import type { DiscoveryPart } from '../host/discovery-script'
import { auditAction } from './audit'
import { lockFindings, lostFindings, type LostContext } from './connection-lost'
import { DmesgCursor, dmesgLostFinding } from './dmesg'
import { DrillContext, type OpOptions } from './drill-context'
import { FatalWatch } from './fatal-watch'
import { StepFailure, stepChecker, UNVERIFIED, type DrillEnv, type StepChecks } from './drill-types'
import type { StepOutcome } from './drill-types'
import { checkSplats } from './invariants'
import { operationFor, type DroppingCommand } from './operations'
import { changeKey, type TrackedChange } from './restore'
import { isConnectionLoss, isConnectionLossError } from './reconnect'
import { raceNotes, runLanes } from './race-lanes'
import { runOperation, type OperationOutcome } from './run-operation'
import { waitSettled, type SettleOutcome } from './settle-wait'
import { SnapshotIssueWatch, unreadableFinding } from './snapshot-issues'
import { notObservedFinding, settledWithout, stillChanging } from './step-waits'

/**
 * The step machinery of a running drill (`DrillContext` as drills/*.ts see it): each step runs,
 * then the invariants are awaited and the dmesg delta is scanned; the step is journaled
 * (fsynced) before the next one starts, and progress is pushed. Every wait for a state (a wait
 * step, the invariants after a step) ends as soon as the device has settled without it
 * (settle-wait.ts, window `params.settleMs`, 3 s by default), with `timeoutMs` as the outer bound
 * for a device that keeps changing. Link events (host-link.ts) become findings here.
 */

/** Per-run state of a drill and the steps it takes on the host. */
export class StepRunner extends DrillContext {
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

  /** `env`'s snapshot source is wrapped to note parse issues for `issues`. */
  constructor(env: DrillEnv) {
    const issues = new SnapshotIssueWatch(env.device)
    super({ ...env, ports: { ...env.ports, source: issues.wrap(env.ports.source) } })
    this.issues = issues
    this.dmesg = new DmesgCursor(env.ports.runner)
    this.fatal = new FatalWatch(this.env)
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
    this.env.trail?.at('begin', 'dmesg cursor')
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
  snapshot(parts?: readonly DiscoveryPart[]): Promise<HostSnapshot> {
    return this.env.ports.source.snapshot({
      fresh: true,
      signal: this.env.signal,
      ...(parts ? { parts } : {}),
    })
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
    options: OpOptions = {},
  ): Promise<OperationOutcome> {
    await this.before(name)
    await this.track(request)
    this.env.trail?.at(name, auditAction(request))
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
   * A step that waits until `predicate` holds (events and fresh reads, settle-wait.ts). Once the
   * device settled without it (no change for the settle window: `params.settleMs`, or
   * `minSettleMs` when larger) the step fails at once with `explain`'s findings on the settled
   * snapshot, naming the window; a device still changing at `timeoutMs` fails then. Resolves
   * with the satisfying snapshot or undefined.
   */
  async waitStep(
    name: string,
    predicate: (s: HostSnapshot) => boolean,
    explain: (s: HostSnapshot) => Finding[],
    checks: StepChecks = 'all',
    minSettleMs = 0,
  ): Promise<HostSnapshot | undefined> {
    await this.before(name)
    this.env.trail?.at(name, 'wait')
    const startedMs = this.env.ports.clock.now()
    this.running = { name, startedMs }
    const settleMs = Math.max(this.params.settleMs, minSettleMs)
    let outcome: SettleOutcome | undefined
    let findings: Finding[] = []
    try {
      outcome = await this.settled(predicate, settleMs)
      if (!outcome.held)
        findings = settledWithout(
          name,
          explain(outcome.snapshot),
          outcome.quietMs,
          settleMs,
          this.place(name),
        )
    } catch (err) {
      if (!(err instanceof LabError) || err.code !== 'timeout') {
        if (!isConnectionLossError(err)) throw err
        findings = await this.connectionLost(name, err.message)
      } else findings = await this.notObserved(name, explain)
    }
    const found = outcome?.held ? outcome.snapshot : undefined
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

  /** `waitSettled` on the drill's source with the step timeout and the drill's signal. */
  private settled(holds: (s: HostSnapshot) => boolean, settleMs: number): Promise<SettleOutcome> {
    const { source, clock } = this.env.ports
    return waitSettled(source, clock, holds, {
      timeoutMs: this.params.timeoutMs,
      settleMs,
      signal: this.env.signal,
    })
  }

  /** Findings of a wait still changing at its timeout: `explain` on a fresh snapshot, or "not observed". */
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
    if (findings.length > 0) return stillChanging(findings, this.params.timeoutMs)
    return [
      notObservedFinding(name, `not observed within ${this.params.timeoutMs} ms`, this.place(name)),
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
    this.env.trail?.at(name, 'race')
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

  /**
   * Awaits the invariants after a step: none when they hold at once; else until they hold, or
   * the device settled without them (findings on the settled snapshot, naming the window), or
   * `timeoutMs` for a device still changing (findings on a fresh snapshot).
   */
  private async settle(name: string, checks: StepChecks, hint?: HostSnapshot): Promise<Finding[]> {
    const check = stepChecker(checks, this.device)
    if (!check) return []
    const place = this.place(name)
    if (hint && check(hint, place).length === 0) return []
    const settleMs = this.params.settleMs
    try {
      const outcome = await this.settled((s) => check(s, place).length === 0, settleMs)
      if (outcome.held) return []
      return settledWithout(name, check(outcome.snapshot, place), outcome.quietMs, settleMs, place)
    } catch (err) {
      if (!(err instanceof LabError) || err.code !== 'timeout') throw err
      return stillChanging(check(await this.snapshot(), place), this.params.timeoutMs)
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
    this.env.trail?.at(o.name, 'fw_fatal check')
    findings.push(...(await this.fatal.check(o.name, this.place(o.name))))
    this.env.trail?.at(o.name, 'dmesg read')
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
