import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Client, type ClientChannel } from 'ssh2'

import { connectHost, resolveTarget, type SshConnection } from '../../main/ssh/index'
import {
  authorize,
  createTestUser,
  makeKey,
  startSshd,
  type Sshd,
  type TestUser,
} from '../helpers/sshd'
import { errText } from './stats'

/**
 * The SSH servers the bench measures against, and the two ways of reaching them: replab's
 * `connectHost` (main/ssh) and a raw ssh2 `Client` with `setNoDelay(true)`, the floor of
 * docs/perf.md 2a/2b.
 */

/** Where and as whom to connect (the shape of `replab sim` / labsim host entries). */
export interface SshTarget {
  readonly name: string
  readonly host: string
  readonly port: number
  readonly user: string
  readonly identityFile: string
}

/** A started server with its targets; `stop()` is its only disposer. */
export interface Started<T> {
  readonly value: T
  stop(): Promise<void>
}

/** What the bench uses of labsim/index.ts `startLab` (declared here: labsim may not exist yet). */
export interface LabsimLab {
  readonly hosts: ReadonlyArray<SshTarget & { hostKeyFingerprint: string }>
  host(name: string): unknown
  stop(): Promise<void>
}

/** Options of labsim's `startLab`. `speed` scales modelled kernel timings (1 = real). */
export interface LabsimOptions {
  readonly hosts: number
  readonly profile?: 'fixed' | 'pre-series'
  readonly speed?: number
  /** labsim/scenario.ts `LabScenario` (the part the bench uses). */
  readonly scenario?: {
    readonly hosts?: ReadonlyArray<{
      readonly cards?: ReadonlyArray<{ readonly totalVfs?: number; readonly ports?: number }>
    }>
  }
}

type StartLab = (o: LabsimOptions) => Promise<LabsimLab>

/**
 * Starts labsim in this process. Rejects with a readable reason when labsim/index.ts does not
 * export `startLab` yet or it fails (callers turn that into "skipped: …").
 */
export async function startLabsim(options: LabsimOptions): Promise<LabsimLab> {
  const mod = (await import('../../labsim/index')) as unknown as { startLab?: StartLab }
  if (typeof mod.startLab !== 'function') throw new Error('labsim/index.ts exports no startLab')
  return mod.startLab(options)
}

/**
 * Starts Debian's OpenSSH sshd (test/helpers/sshd.ts) with a throwaway user whose shell is
 * /bin/sh and whose HOME is an empty directory (no rc files: docs/perf.md 1d). Needs root; startSshd
 * rejects naming the missing package otherwise.
 */
export async function startSshdTarget(): Promise<Started<SshTarget>> {
  let sshd: Sshd | null = null
  let user: TestUser | null = null
  try {
    sshd = await startSshd({ config: ['MaxSessions 64'] })
    user = await createTestUser()
    const key = await makeKey(sshd.dir, 'bench_id')
    await authorize(sshd, key.pub)
    const target: SshTarget = {
      name: 'sshd',
      host: sshd.host,
      port: sshd.port,
      user: user.name,
      identityFile: key.path,
    }
    const s = sshd
    const u = user
    return {
      value: target,
      stop: async () => {
        await s.stop()
        await u.remove()
      },
    }
  } catch (err) {
    await sshd?.stop().catch(() => undefined)
    await user?.remove().catch(() => undefined)
    throw err
  }
}

/** A temp known_hosts file for replab connections (accept-new fills it on first use). */
export async function tempKnownHosts(): Promise<Started<string>> {
  const dir = await mkdtemp(join(tmpdir(), 'replab-bench-kh-'))
  return { value: join(dir, 'known_hosts'), stop: () => rm(dir, { recursive: true, force: true }) }
}

/** Connects with replab's main/ssh (resolveTarget + connectHost, no ssh_config, no reconnect). */
export async function replabConnect(t: SshTarget, knownHosts: string): Promise<SshConnection> {
  const resolved = await resolveTarget(`${t.user}@${t.host}:${t.port}`, {
    identityFile: t.identityFile,
    configFile: null,
  })
  return connectHost(resolved, {
    knownHosts: { file: knownHosts, userFile: null },
    hostKeyPolicy: 'accept-new',
    reconnect: false,
  })
}

/** Connects a bare ssh2 client (key auth, host key not checked) and disables Nagle. */
export async function rawConnect(t: SshTarget, key?: Buffer): Promise<Client> {
  const privateKey = key ?? (await readFile(t.identityFile))
  return new Promise((resolve, reject) => {
    const c = new Client()
    c.once('ready', () => resolve(c))
    c.once('error', (e) => reject(new Error(`raw ssh2 connect ${t.name}: ${errText(e)}`)))
    c.connect({ host: t.host, port: t.port, username: t.user, privateKey, readyTimeout: 20_000 })
    c.setNoDelay(true)
  })
}

/**
 * Raw ssh2 exec: resolves with stdout and the exit code once the channel closes. Sends EOF on
 * stdin right away, as replab's exec and `ssh host cmd </dev/null` do (without it, a server
 * that leaves Nagle on stalls each command ~40 ms on delayed ACK).
 */
export function rawExec(c: Client, cmd: string): Promise<{ stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    c.exec(cmd, (err: Error | undefined, ch: ClientChannel) => {
      if (err) return reject(err)
      const parts: Buffer[] = []
      let code: number | null = null
      ch.on('data', (d: Buffer) => parts.push(d))
      ch.stderr.on('data', () => undefined)
      ch.on('exit', (c2: number | null) => (code = c2))
      ch.on('close', () => resolve({ stdout: Buffer.concat(parts).toString(), code }))
      ch.end()
    })
  })
}

/** Closes a raw client and waits for its socket to go away. */
export function rawClose(c: Client): Promise<void> {
  return new Promise((resolve) => {
    c.once('close', () => resolve())
    c.end()
    setTimeout(resolve, 2000).unref()
  })
}
