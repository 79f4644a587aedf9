import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

import { parseSimAnnouncement, type SimHostInfo } from '../service/sim-hosts'

/** Options of a spawned simulated lab. `speed` scales modelled durations (1 = real time). */
export interface LabProcessOptions {
  readonly hosts: number
  readonly profile?: 'fixed' | 'pre-series'
  readonly speed?: number
  readonly scenario?: string
  /** Give up when labsim has not announced its hosts within this many ms. */
  readonly startTimeoutMs?: number
}

/** A running labsim process; `stop()` terminates it and waits for exit. */
export interface LabProcess {
  readonly hosts: SimHostInfo[]
  readonly child: ChildProcess
  stop(): Promise<void>
}

/** Absolute path of labsim's CLI entry (TypeScript, run through tsx). */
export function labsimEntry(): string {
  return fileURLToPath(new URL('../../labsim/cli.ts', import.meta.url))
}

/** Command-line arguments for labsim/cli.ts. */
export function labsimArgs(options: LabProcessOptions): string[] {
  const args = ['--hosts', String(options.hosts)]
  if (options.profile) args.push('--profile', options.profile)
  if (options.speed !== undefined) args.push('--speed', String(options.speed))
  if (options.scenario) args.push('--scenario', options.scenario)
  return args
}

/**
 * Starts labsim as a process of its own (the console reaches it only over SSH, like a real
 * host) and waits for its one-line JSON announcement. Rejects when it exits or stays silent
 * past `startTimeoutMs` (default 30000 ms), with its stderr in the message.
 */
export async function spawnLab(options: LabProcessOptions): Promise<LabProcess> {
  const tsx = import.meta.resolve('tsx')
  const child = spawn(process.execPath, ['--import', tsx, labsimEntry(), ...labsimArgs(options)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  const lines = createInterface({ input: child.stdout! })
  const hosts = await new Promise<SimHostInfo[]>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(`labsim did not announce its hosts within ${options.startTimeoutMs ?? 30000} ms`),
      options.startTimeoutMs ?? 30000,
    )
    const fail = (why: string): void => {
      clearTimeout(timer)
      child.kill('SIGTERM')
      reject(new Error(`${why}${stderr ? `\nlabsim stderr:\n${stderr}` : ''}`))
    }
    lines.once('line', (line) => {
      clearTimeout(timer)
      try {
        resolve(parseSimAnnouncement(line))
      } catch (err) {
        fail((err as Error).message)
      }
    })
    child.once('exit', (code, signal) =>
      fail(`labsim exited early (code ${code}, signal ${signal})`),
    )
  })
  return {
    hosts,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
