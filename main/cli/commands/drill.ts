import { createInterface } from 'node:readline/promises'

import type { Command } from 'commander'

import {
  DrillKind,
  labError,
  type DrillPlan,
  type DrillProgress,
  type DrillReport,
} from '../../../contract'
import { listDrills, refusalOf, renderReport, type ReportFormat } from '../../engine'
import { writeFileAtomic } from '../atomic-write'
import { CLI_HOST_ID, CLI_SESSION, cliEngine, journalEngine } from '../cli-engine'
import { describeDrillPlan, drillParams } from '../drill-plan-text'
import { printErr, printJson, printOut, writeErr } from '../output'
import { withSshOptions, type SshCliOptions } from '../ssh-options'

interface RunOptions extends SshCliOptions {
  device: string
  iterations?: string
  timeoutMs?: string
  settleMs?: string
  stopOnFailure?: boolean
  vfs?: string
  vfsAlt?: string
  dryRun?: boolean
  yes?: boolean
  force?: boolean
  junit?: string
  html?: string
  repro?: string
  reportJson?: string
  json?: boolean
  dataDir?: string
}

/**
 * `replab drill list` and `replab drill run <drill> <target> --device <handle> …`: runs a drill
 * against one host with progress on stderr, writes the requested reports, prints the docs/design.md
 * JSON with `--json`, and exits 0 only when the drill passed.
 */
export function registerDrill(program: Command): void {
  const drill = program
    .command('drill')
    .description('lifecycle drills: list them or run one against a host')
  registerList(drill)
  registerHistory(drill)
  registerRestore(drill)
  registerRun(drill)
}

/** `drill list`: what each drill checks and where the behaviour is documented. */
function registerList(drill: Command): void {
  drill
    .command('list')
    .description('list the drills, what each checks and where the behaviour is documented')
    .option('--json', 'print the list as JSON')
    .action((opts: { json?: boolean }) => {
      const drills = listDrills()
      if (opts.json) return void printJson(drills)
      for (const d of drills) {
        printOut(
          `${d.kind}${d.needsFaultInjection ? ' (needs fault injection: labsim only)' : ''}\n  ${d.title}: ${d.description}`,
        )
        for (const c of d.checks) printOut(`  - checks: ${c}`)
        printOut(`  source: ${d.source}\n`)
      }
    })
}

/**
 * `drill history`: journaled runs; an unfinished run shows as interrupted, a run with damaged
 * journal lines (or an unreadable start, or an empty file) as DAMAGED with what is left to restore.
 */
function registerHistory(drill: Command): void {
  drill
    .command('history')
    .description(
      'list journaled runs (a run left by a crash shows as interrupted; a damaged journal as DAMAGED)',
    )
    .option('--data-dir <dir>', 'where the journal lives')
    .option('--json', 'print the runs as JSON')
    .action(async (opts: { dataDir?: string; json?: boolean }) => {
      const runs = await journalEngine(opts.dataDir).listRuns()
      if (opts.json) return void printJson(runs)
      for (const r of runs) {
        printOut(
          `${r.runId}  ${r.status.padEnd(11)} ${r.drill.padEnd(18)} ${r.device}  ${r.steps} steps, ${r.findings} findings`,
        )
        if (r.damaged) printOut(`  DAMAGED: ${r.damaged.message}`)
      }
    })
}

/** Parses `--skip-damaged 3,7`: 1-based journal line numbers. */
function lineNumbers(text: string | undefined): number[] {
  if (text === undefined) return []
  const out = text.split(',').map((t) => Number(t.trim()))
  if (out.some((n) => !Number.isInteger(n) || n < 1))
    throw labError('invalid-request', `--skip-damaged takes line numbers like 3,7, not ${text}`)
  return out
}

/** `drill restore <runId> <target>`: finishes the restore of an interrupted run. */
function registerRestore(drill: Command): void {
  withSshOptions(
    drill
      .command('restore <runId> <target>')
      .description(
        'finish the restore of an interrupted run: undo only what its journal says it changed',
      )
      .option('--data-dir <dir>', 'where the journal lives')
      .option(
        '--ignore-host-identity',
        "restore even though the connected host's key, address or boot id differ from the run's (or the run recorded none)",
      )
      .option(
        '--skip-damaged <lines>',
        'journal line numbers (e.g. 3,7) that restore named as damaged and you checked by hand',
      )
      .option('--json', 'print the report as JSON'),
  ).action(
    async (
      runId: string,
      target: string,
      opts: SshCliOptions & {
        dataDir?: string
        json?: boolean
        ignoreHostIdentity?: boolean
        skipDamaged?: string
      },
    ) => {
      const skipDamaged = lineNumbers(opts.skipDamaged)
      const lab = await cliEngine(target, opts)
      try {
        const report = await lab.engine.resumeRestore(runId, {
          ignoreHostIdentity: opts.ignoreHostIdentity ?? false,
          skipDamaged,
          session: CLI_SESSION,
        })
        printErr(
          `replab: restored ${report.restored?.join(', ') || 'nothing (the host already matched)'}`,
        )
        if (opts.json) printJson(report)
      } finally {
        lab.close()
      }
    },
  )
}

/**
 * `drill run <drill> <target> …`: plans the drill on the host and prints the plan; `--dry-run`
 * stops there. A bad request (`invalid-request`) or one that would disturb VFs in use (`in-use`,
 * unless `--force`) is refused before anything runs; otherwise it asks for confirmation naming
 * host and device (unless `--yes`; without a terminal to ask on it refuses), runs, writes the
 * requested reports, prints the report JSON with `--json`, and exits 0 only when it passed.
 */
function registerRun(drill: Command): void {
  withSshOptions(
    drill
      .command('run <drill> <target>')
      .description('run a drill (e.g. late-ib-reps) against user@host:port or an ssh_config alias')
      .requiredOption('--device <handle>', 'devlink handle, e.g. pci/0000:08:00.0')
      .option('--iterations <n>', 'iterations (default 1; mode-race 10)')
      .option('--timeout-ms <ms>', 'outer bound of each step and wait in ms (default 30000)')
      .option(
        '--settle-ms <ms>',
        'a wait fails once the device showed no change this long without its state (default 3000)',
      )
      .option('--stop-on-failure', 'stop at the first failed step')
      .option('--vfs <n>', 'VF count the drill uses (default: the current count)')
      .option('--vfs-alt <n>', 'second VF count (vf-churn)')
      .option('--dry-run', 'print the plan (steps, commands, blast radius, restore), run nothing')
      .option('--yes', 'do not ask for confirmation')
      .option('--force', 'run even though the drill would disturb VFs in use')
      .option('--junit <file>', 'write a JUnit XML report')
      .option('--html <file>', 'write a self-contained HTML report')
      .option('--repro <file>', 'write repro.sh: the exact commands with observed outputs')
      .option('--report-json <file>', 'write the JSON report to a file')
      .option('--data-dir <dir>', 'where the journal lives')
      .option('--json', 'print the JSON report (with --dry-run: the plan) on stdout'),
  ).action(async (kind: string, target: string, opts: RunOptions) => {
    const drillKind = DrillKind.safeParse(kind)
    if (!drillKind.success)
      throw labError('invalid-request', `unknown drill ${kind}; see replab drill list`)
    const request = {
      hostId: CLI_HOST_ID,
      kind: drillKind.data,
      device: opts.device,
      params: drillParams(opts),
      ...(opts.force ? { force: true } : {}),
    }
    const lab = await cliEngine(target, opts)
    let report: DrillReport
    try {
      const plan = await lab.engine.planDrill(request)
      if (opts.dryRun) {
        if (opts.json) printJson(plan)
        else printOut(describeDrillPlan(plan))
        process.exitCode = plan.problems.length > 0 || (plan.refusal && !opts.force) ? 1 : 0
        return
      }
      printErr(describeDrillPlan(plan))
      const refused = refusalOf(plan, opts.force ?? false)
      if (refused) throw refused
      if (!(await confirmed(plan, opts.yes ?? false))) throw labError('aborted', 'not confirmed')
      const handle = await lab.engine.startDrill(request, progress, { session: CLI_SESSION })
      const stop = (): void => handle.cancel()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      report = await handle.done
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      await writeReports(lab.engine, report.runId ?? handle.runId, opts)
    } finally {
      lab.close()
    }
    printErr(
      `replab: ${report.drill} on ${report.device}: ${report.status.toUpperCase()} (${report.steps.length} steps, ${report.findings.length} findings)`,
    )
    for (const f of report.findings)
      printErr(`  [${f.severity}] ${f.invariant} at ${f.step}: ${f.message}`)
    if (opts.json) printJson(report)
    process.exitCode = report.status === 'passed' ? 0 : 1
  })
}

/**
 * Asks `Run <drill> on <device> of <host>? [y/N]` on the terminal. `--yes` skips it; without a
 * terminal (a script, CI) it refuses with `precondition-failed` naming `--yes`, like `replab op`.
 */
async function confirmed(plan: DrillPlan, yes: boolean): Promise<boolean> {
  if (yes) return true
  if (!process.stdin.isTTY)
    throw labError(
      'precondition-failed',
      `drill ${plan.kind} on ${plan.device} of ${plan.target} changes the host: pass --yes to run it without a terminal to confirm on`,
    )
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    const q = `Run ${plan.kind} on ${plan.device} of ${plan.target}? [y/N] `
    return /^y(es)?$/i.test((await rl.question(q)).trim())
  } finally {
    rl.close()
  }
}

function progress(p: DrillProgress): void {
  const mark =
    p.step.status === 'passed'
      ? 'ok'
      : p.step.status === 'running'
        ? '..'
        : p.step.status.toUpperCase()
  writeErr(
    `[${p.iteration}/${p.iterations}] ${mark.padEnd(6)} ${p.step.name} ${Math.round(p.step.durationMs)} ms\n`,
  )
}

async function writeReports(
  engine: Awaited<ReturnType<typeof cliEngine>>['engine'],
  runId: string,
  opts: RunOptions,
): Promise<void> {
  const wanted: Array<[ReportFormat, string | undefined]> = [
    ['junit', opts.junit],
    ['html', opts.html],
    ['repro', opts.repro],
    ['json', opts.reportJson],
  ]
  const run = await engine.readRun(runId)
  for (const [format, file] of wanted) {
    if (!file) continue
    await writeFileAtomic(file, renderReport(run, format), format === 'repro' ? 0o755 : 0o644)
    printErr(`replab: wrote ${format} report ${file}`)
  }
}
