import type { Command } from 'commander'

import {
  DrillKind,
  DrillParams,
  labError,
  type DrillProgress,
  type DrillReport,
} from '../../../contract'
import { listDrills, renderReport, type ReportFormat } from '../../engine'
import { writeFileAtomic } from '../atomic-write'
import { CLI_HOST_ID, cliEngine, journalEngine } from '../cli-engine'
import { withSshOptions, type SshCliOptions } from '../ssh-options'

interface RunOptions extends SshCliOptions {
  device: string
  iterations: string
  timeoutMs: string
  stopOnFailure?: boolean
  vfs?: string
  vfsAlt?: string
  junit?: string
  html?: string
  repro?: string
  reportJson?: string
  json?: boolean
  dataDir?: string
}

/**
 * `replab drill list` and `replab drill run <drill> <target> --device <handle> …`: runs a drill
 * against one host with progress on stderr, writes the requested reports, prints the DESIGN.md
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
      if (opts.json) return void console.log(JSON.stringify(drills, null, 2))
      for (const d of drills) {
        console.log(
          `${d.kind}${d.needsFaultInjection ? ' (needs fault injection: labsim only)' : ''}\n  ${d.title}: ${d.description}`,
        )
        for (const c of d.checks) console.log(`  - checks: ${c}`)
        console.log(`  source: ${d.source}\n`)
      }
    })
}

/** `drill history`: journaled runs; an unfinished run shows as interrupted. */
function registerHistory(drill: Command): void {
  drill
    .command('history')
    .description('list journaled runs (an unfinished run left by a crash shows as interrupted)')
    .option('--data-dir <dir>', 'where the journal lives')
    .option('--json', 'print the runs as JSON')
    .action(async (opts: { dataDir?: string; json?: boolean }) => {
      const runs = await journalEngine(opts.dataDir).listRuns()
      if (opts.json) return void console.log(JSON.stringify(runs, null, 2))
      for (const r of runs)
        console.log(
          `${r.runId}  ${r.status.padEnd(11)} ${r.drill.padEnd(18)} ${r.device}  ${r.steps} steps, ${r.findings} findings`,
        )
    })
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
      .option('--json', 'print the report as JSON'),
  ).action(
    async (
      runId: string,
      target: string,
      opts: SshCliOptions & { dataDir?: string; json?: boolean },
    ) => {
      const lab = await cliEngine(target, opts)
      try {
        const report = await lab.engine.resumeRestore(runId)
        console.error(
          `replab: restored ${report.restored?.join(', ') || 'nothing (the host already matched)'}`,
        )
        if (opts.json) console.log(JSON.stringify(report, null, 2))
      } finally {
        lab.close()
      }
    },
  )
}

/** `drill run <drill> <target> …`: runs one drill, writes reports, exit 0 only on a pass. */
function registerRun(drill: Command): void {
  withSshOptions(
    drill
      .command('run <drill> <target>')
      .description('run a drill (e.g. late-ib-reps) against user@host:port or an ssh_config alias')
      .requiredOption('--device <handle>', 'devlink handle, e.g. pci/0000:08:00.0')
      .option('--iterations <n>', 'iterations', '1')
      .option('--timeout-ms <ms>', 'timeout of each wait in ms', '30000')
      .option('--stop-on-failure', 'stop at the first failed step')
      .option('--vfs <n>', 'VF count the drill uses')
      .option('--vfs-alt <n>', 'second VF count (vf-churn)')
      .option('--junit <file>', 'write a JUnit XML report')
      .option('--html <file>', 'write a self-contained HTML report')
      .option('--repro <file>', 'write repro.sh: the exact commands with observed outputs')
      .option('--report-json <file>', 'write the JSON report to a file')
      .option('--data-dir <dir>', 'where the journal lives')
      .option('--json', 'print the JSON report on stdout'),
  ).action(async (kind: string, target: string, opts: RunOptions) => {
    const drillKind = DrillKind.safeParse(kind)
    if (!drillKind.success)
      throw labError('invalid-request', `unknown drill ${kind}; see replab drill list`)
    const params = DrillParams.parse({
      iterations: Number(opts.iterations),
      timeoutMs: Number(opts.timeoutMs),
      stopOnFailure: opts.stopOnFailure ?? false,
      ...(opts.vfs !== undefined ? { vfs: Number(opts.vfs) } : {}),
      ...(opts.vfsAlt !== undefined ? { vfsAlt: Number(opts.vfsAlt) } : {}),
    })
    const lab = await cliEngine(target, opts)
    let report: DrillReport
    try {
      const handle = await lab.engine.startDrill(
        { hostId: CLI_HOST_ID, kind: drillKind.data, device: opts.device, params },
        progress,
      )
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
    console.error(
      `replab: ${report.drill} on ${report.device}: ${report.status.toUpperCase()} (${report.steps.length} steps, ${report.findings.length} findings)`,
    )
    for (const f of report.findings)
      console.error(`  [${f.severity}] ${f.invariant} at ${f.step}: ${f.message}`)
    if (opts.json) console.log(JSON.stringify(report, null, 2))
    process.exitCode = report.status === 'passed' ? 0 : 1
  })
}

function progress(p: DrillProgress): void {
  const mark =
    p.step.status === 'passed'
      ? 'ok'
      : p.step.status === 'running'
        ? '..'
        : p.step.status.toUpperCase()
  process.stderr.write(
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
    console.error(`replab: wrote ${format} report ${file}`)
  }
}
