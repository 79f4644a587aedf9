import { createInterface } from 'node:readline/promises'

import type { Command } from 'commander'

import { labError, OperationRequest, type OperationPlan } from '../../../contract'
import { isOperationKind, OPERATIONS } from '../../engine'
import { CLI_HOST_ID, CLI_SESSION, cliEngine } from '../cli-engine'
import { printErr, printJson, printOut, writeErr, writeOut } from '../output'
import { timeoutMs, withSshOptions, type SshCliOptions } from '../ssh-options'

/** Usage of every operation, as `replab op` takes it: one line per operation module. */
export const OP_USAGE: readonly string[] = Object.values(OPERATIONS).map(
  (m) => `${m.kind} ${m.usage}`,
)

/**
 * Turns `replab op` words into a validated `OperationRequest` (the module's `fromArgs`, then the
 * contract schema). Raises `invalid-request` naming the operation's usage; identifiers are
 * validated by the contract, never passed through raw.
 */
export function parseOperation(op: string, args: readonly string[]): OperationRequest {
  if (!isOperationKind(op))
    throw labError(
      'invalid-request',
      `unknown operation ${JSON.stringify(op)}; operations:\n  ${OP_USAGE.join('\n  ')}`,
    )
  const parsed = OperationRequest.safeParse(OPERATIONS[op].fromArgs(args))
  if (!parsed.success) {
    throw labError(
      'invalid-request',
      `${op}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}\nusage: replab op <target> ${op} ${OPERATIONS[op].usage}`,
    )
  }
  return parsed.data
}

function describePlan(plan: OperationPlan): string {
  const lines = [`${plan.confirm}`, 'commands:', ...plan.commands.map((c) => `  ${c}`)]
  if (plan.blastRadius.length)
    lines.push(
      'blast radius:',
      ...plan.blastRadius.map((b) => `  ${b.kind} ${b.name}${b.detail ? ` (${b.detail})` : ''}`),
    )
  lines.push(`expect: ${plan.expect}`)
  if (!plan.precondition.ok)
    lines.push('precondition FAILED:', ...plan.precondition.reasons.map((r) => `  ${r}`))
  return lines.join('\n')
}

async function confirmed(plan: OperationPlan, yes: boolean): Promise<boolean> {
  if (yes || !plan.destructive) return true
  if (!process.stdin.isTTY)
    throw labError(
      'precondition-failed',
      'destructive operation: pass --yes to run it without a terminal to confirm on',
    )
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return /^y(es)?$/i.test((await rl.question('Run it? [y/N] ')).trim())
  } finally {
    rl.close()
  }
}

/** `replab op <target> <operation> <args…> [--dry-run] [--yes] [--json]`. */
export function registerOp(program: Command): void {
  withSshOptions(
    program
      .command('op <target> <operation> [args...]')
      .description(`run one lifecycle operation; operations:\n  ${OP_USAGE.join('\n  ')}`)
      .option('--dry-run', 'print the exact commands and the blast radius, run nothing')
      .option('--yes', 'do not ask for confirmation')
      .option('--data-dir <dir>', 'where the journal lives')
      .option('--json', 'print the plan or result as JSON'),
  ).action(
    async (
      target: string,
      operation: string,
      args: string[],
      opts: SshCliOptions & { dryRun?: boolean; yes?: boolean; json?: boolean; dataDir?: string },
    ) => {
      const request = parseOperation(operation, args)
      const lab = await cliEngine(target, opts)
      try {
        const plan = await lab.engine.plan(CLI_HOST_ID, request)
        if (opts.dryRun) return void (opts.json ? printJson(plan) : printOut(describePlan(plan)))
        printErr(describePlan(plan))
        if (!plan.precondition.ok)
          throw labError('precondition-failed', plan.precondition.reasons.join('; '))
        if (!(await confirmed(plan, opts.yes ?? false))) throw labError('aborted', 'not confirmed')
        const result = await lab.engine.runOperation(CLI_HOST_ID, request, {
          timeoutMs: timeoutMs(opts),
          session: CLI_SESSION,
          onProgress: (p) =>
            writeErr(`  ${p.phase}: ${p.message} (${Math.round(p.elapsedMs)} ms)\n`),
        })
        if (opts.json) printJson(result)
        else if (result.output) writeOut(result.output)
        printErr(
          `replab: ${operation} ${result.status} (returned ${result.timings.returnedMs ?? '-'} ms, observed ${result.timings.observedMs ?? '-'} ms)`,
        )
        if (result.observed) printErr(`replab: observed ${result.observed}`)
        if (result.error) printErr(`replab: ${result.error.code}: ${result.error.message}`)
        process.exitCode = result.status === 'ok' ? 0 : 1
      } finally {
        lab.close()
      }
    },
  )
}
