import { labError } from '../../contract'
import type { DrillParams, DrillPlan, PlannedStep } from '../../contract'

/**
 * `replab drill run` words → drill parameters, and a drill plan as text for a person
 * (`--dry-run`, and before the confirmation). Pure; the caller prints through output.ts.
 */

/** The raw `drill run` options that size a drill. */
export interface DrillParamOptions {
  readonly iterations?: string | undefined
  readonly timeoutMs?: string | undefined
  readonly settleMs?: string | undefined
  readonly stopOnFailure?: boolean | undefined
  readonly vfs?: string | undefined
  readonly vfsAlt?: string | undefined
}

/**
 * The drill parameters the options give, unvalidated (the engine checks ranges and the device).
 * Raises `invalid-request` naming the option whose value is not a whole number.
 */
export function drillParams(o: DrillParamOptions): Partial<DrillParams> {
  const num = (flag: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined
    const n = Number(v)
    if (v.trim() === '' || !Number.isInteger(n))
      throw labError('invalid-request', `--${flag} takes a whole number, not ${JSON.stringify(v)}`)
    return n
  }
  const out: Record<string, number | boolean> = { stopOnFailure: o.stopOnFailure ?? false }
  const fields: Array<[keyof DrillParams, string, string | undefined]> = [
    ['iterations', 'iterations', o.iterations],
    ['timeoutMs', 'timeout-ms', o.timeoutMs],
    ['settleMs', 'settle-ms', o.settleMs],
    ['vfs', 'vfs', o.vfs],
    ['vfsAlt', 'vfs-alt', o.vfsAlt],
  ]
  for (const [key, flag, v] of fields) {
    const n = num(flag, v)
    if (n !== undefined) out[key] = n
  }
  return out
}

function seconds(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`
}

function stepLines(steps: readonly PlannedStep[]): string[] {
  return steps.flatMap((s, i) => [
    `  ${i + 1}. ${s.name}${s.kind === 'operation' || s.kind === 'race' ? '' : ` (${s.kind})`}`,
    ...s.commands.map((c) => `       $ ${c}`),
    ...(s.expect ? [`       expect: ${s.expect}`] : []),
  ])
}

/** The plan as the lines a person reads before confirming (see the module comment). */
export function describeDrillPlan(plan: DrillPlan): string {
  const p = plan.params
  const lines = [
    plan.confirm,
    `parameters: ${p.iterations} iteration${p.iterations === 1 ? '' : 's'}, VFs ${p.vfs}` +
      `${p.vfsAlt !== undefined ? ` and ${p.vfsAlt}` : ''}, step timeout ${p.timeoutMs} ms, ` +
      `settle window ${p.settleMs ?? '-'} ms${p.stopOnFailure ? ', stop on the first failure' : ''}`,
  ]
  if (plan.problems.length > 0) lines.push('cannot run:', ...plan.problems.map((x) => `  ${x}`))
  if (plan.notApplicable) lines.push(`not applicable (nothing will run): ${plan.notApplicable}`)
  if (plan.steps.length > 0) lines.push('steps (iteration 1):', ...stepLines(plan.steps))
  if (plan.repeatSteps.length > 0)
    lines.push('steps of each later iteration:', ...stepLines(plan.repeatSteps))
  if (plan.blastRadius.length > 0)
    lines.push(
      'blast radius:',
      ...plan.blastRadius.map((b) => `  ${b.kind} ${b.name}${b.detail ? ` (${b.detail})` : ''}`),
    )
  if (plan.inUse.length > 0)
    lines.push(
      'VFs in use:',
      ...plan.inUse.map(
        (v) => `  ${v.bdf} (VF ${v.vf}${v.netdev ? `, ${v.netdev}` : ''}): ${v.reason}`,
      ),
    )
  if (plan.restore.length > 0)
    lines.push(
      'restored at the end if changed:',
      ...plan.restore.map((r) => `  ${r.text}  [replab op <target> ${r.operation}]`),
    )
  if (plan.steps.length > 0)
    lines.push(
      `takes about ${seconds(plan.estimate.typicalMs)}, at most ${seconds(plan.estimate.worstMs)}: ${plan.estimate.basis}`,
    )
  lines.push(...plan.notes.map((n) => `note: ${n}`))
  if (plan.refusal) lines.push(`REFUSED unless --force: ${plan.refusal}`)
  return lines.join('\n')
}
