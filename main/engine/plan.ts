import { LabError } from '../../contract'
import type { HostSnapshot, OperationPlan, OperationRequest } from '../../contract'
import { operationFor, type FaultOptions, type OperationModule } from './operations'

/**
 * `plan()`: the pure dry run of an operation (docs/style.md §3.3 rule 5). Same inputs, same plan; no
 * I/O. `runOperation` executes exactly `plan.commands`. Everything per operation comes from its
 * module (`operations/<kind>.ts`).
 */

/** Where the plan is for: host id and `user@host:port` (named in the confirmation sentence). */
export interface PlanTarget {
  readonly hostId: string
  readonly target: string
  readonly faultOptions?: FaultOptions
}

/**
 * Plans one operation against a snapshot: commands, destructive flag, blast radius, the
 * precondition verdict, the expectation and the confirmation sentence. Never throws: a request
 * that cannot be turned into commands yields `precondition.ok = false` with the reason.
 */
export function plan(
  request: OperationRequest,
  snapshot: HostSnapshot,
  where: PlanTarget,
): OperationPlan {
  const op = operationFor(request)
  const reasons = [...op.precondition(request, snapshot)]
  let commands: string[] = []
  try {
    commands = op.commands(request, snapshot, {
      ...(where.faultOptions ? { faultOptions: where.faultOptions } : {}),
    })
  } catch (err) {
    if (!(err instanceof LabError)) throw err
    reasons.push(err.message)
  }
  const blastRadius = op.blastRadius(request, snapshot)
  const destructive = op.destructive(request)
  const verb = destructive ? 'disturbs' : 'touches'
  return {
    hostId: where.hostId,
    target: where.target,
    request,
    commands,
    destructive,
    blastRadius,
    precondition: { ok: reasons.length === 0, reasons },
    expect: expectText(op, request, snapshot),
    confirm:
      `Run ${request.op} on ${op.subject(request)} of host ${snapshot.host.name} (${where.target})? ` +
      `It ${verb} ${blastRadius.length} other item${blastRadius.length === 1 ? '' : 's'}.`,
  }
}

/** The device or function an operation names, for sentences. */
export function subjectOf(request: OperationRequest): string {
  return operationFor(request).subject(request)
}

/** The plan's `expect` line: the expectation's text, or the outcome in words when none. */
export function expectText(
  op: OperationModule<OperationRequest['op']>,
  request: OperationRequest,
  before: HostSnapshot,
): string {
  return op.expectation(request, before)?.text ?? op.describe(request)
}
