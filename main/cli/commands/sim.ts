import { spawn } from 'node:child_process'

import type { Command } from 'commander'

import { labsimArgs, labsimEntry } from '../lab-process'

/**
 * `replab sim`: runs labsim in the foreground. It prints docs/design.md's one JSON line
 * (`{"hosts":[…]}`) on stdout and serves until killed; signals are passed on.
 */
export function registerSim(program: Command): void {
  program
    .command('sim')
    .description(
      'start simulated mlx5 hypervisors (ssh2 servers on 127.0.0.1) and print their connection details as one JSON line',
    )
    .option('--hosts <n>', 'number of simulated hosts', '1')
    .option('--profile <profile>', 'kernel profile: fixed | pre-series', 'fixed')
    .option(
      '--speed <factor>',
      'time scale of modelled durations (1 = real time, 0.1 = 10x faster)',
      '1',
    )
    .option('--scenario <file>', 'scenario JSON describing hosts and cards')
    .action(async (opts: { hosts: string; profile: string; speed: string; scenario?: string }) => {
      const args = labsimArgs({
        hosts: Number(opts.hosts),
        profile: opts.profile as 'fixed' | 'pre-series',
        speed: Number(opts.speed),
        ...(opts.scenario ? { scenario: opts.scenario } : {}),
      })
      const child = spawn(
        process.execPath,
        ['--import', import.meta.resolve('tsx'), labsimEntry(), ...args],
        { stdio: 'inherit' },
      )
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig))
      const code = await new Promise<number>((resolve) =>
        child.on('exit', (c, s) => resolve(c ?? (s ? 0 : 1))),
      )
      process.exitCode = code
    })
}
