import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** A `replab serve` process on labsim, as a user would start it with `npm run web`. */
export interface ConsoleServer {
  readonly url: string
  /** labsim's announced hosts (docs/design.md's JSON line). */
  readonly hosts: Array<{
    name: string
    port: number
    identityFile: string
    hostKeyFingerprint: string
  }>
  readonly dataDir: string
  readonly output: () => string
  stop(): Promise<void>
}

const root = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Starts the real back end (labsim process → SSH → main → WebSocket) with its own data
 * directory and waits for the JSON line carrying the one-time URL. Rejects after 60 s.
 */
export async function startConsoleServer(args: string[] = []): Promise<ConsoleServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'replab-e2e-'))
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(root, 'bin/replab.mjs'),
      'serve',
      '--json',
      '--data-dir',
      dataDir,
      '--sim',
      '1',
      '--speed',
      '0.05',
      ...args,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
  const lines = createInterface({ input: child.stdout! })
  let hosts: ConsoleServer['hosts'] = []
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`replab serve printed no URL in 60 s\n${output}`)),
      60_000,
    )
    lines.on('line', (line) => {
      output += `${line}\n`
      try {
        const parsed = JSON.parse(line) as { url?: string; hosts?: ConsoleServer['hosts'] }
        if (parsed.url) {
          hosts = parsed.hosts ?? []
          clearTimeout(timer)
          resolve(parsed.url)
        }
      } catch {
        // not the announcement line
      }
    })
    child.once('exit', (code) => reject(new Error(`replab serve exited with ${code}\n${output}`)))
  })
  return {
    url,
    hosts,
    dataDir,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}
