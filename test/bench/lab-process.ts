import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

import type { LabsimLab } from './targets'

/**
 * Starts lab-child.ts (labsim in its own Node process) and talks to it over stdin/stdout JSON
 * lines. `stop()` closes its stdin and waits for it to exit.
 */

/** A labsim child: its hosts, `flood(bytes)` for the trace bench, and `stop()`. */
export interface LabChild {
  readonly hosts: LabsimLab['hosts']
  /** Floods the first host's trace_pipe; resolves with the number of lines pushed. */
  flood(bytes: number): Promise<number>
  stop(): Promise<void>
}

/** Spawns the child with `hosts` hosts at `speed`; rejects if it exits before announcing them. */
export async function spawnLabChild(hosts: number, speed: number): Promise<LabChild> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./lab-child.ts', import.meta.url)),
      String(hosts),
      String(speed),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const waiting: Array<(n: number) => void> = []
  const announced = new Promise<LabsimLab['hosts']>((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`labsim child exited ${c} before announcing hosts`)))
    createInterface({ input: child.stdout! }).on('line', (l) => {
      let v: { hosts?: LabsimLab['hosts']; done?: number }
      try {
        v = JSON.parse(l) as typeof v
      } catch {
        return
      }
      if (v.hosts) resolve(v.hosts)
      if (typeof v.done === 'number') waiting.shift()?.(v.done)
    })
  })
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.stdin!.end()
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(t)
  }
  try {
    const list = await announced
    return {
      hosts: list,
      flood: (bytes) =>
        new Promise((resolve) => {
          waiting.push(resolve)
          child.stdin!.write(`flood ${bytes}\n`)
        }),
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}
