import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

import type { SshTarget } from '../targets'

/**
 * Starts fakehost/child.ts (N fake hosts, real sshd each, in a process of their own) and reads
 * its one `{"hosts":[…]}` line. `stop()` closes its stdin and waits until it removed everything.
 */

/** A started set of fake hosts. `sshdPids` are the hosts' sshd processes (for their CPU). */
export interface FakeHosts {
  readonly hosts: ReadonlyArray<SshTarget & { readonly pid: number }>
  /** The child's pid (its models). */
  readonly pid: number
  /**
   * A known_hosts file of their own: every run makes new host keys, and a port may be one an
   * earlier run's host used, so a shared file would refuse them as changed.
   */
  readonly knownHosts: string
  stop(): Promise<void>
}

/** Spawns the child with `n` hosts; rejects with its stderr when it fails. */
export async function spawnFakeHosts(n: number): Promise<FakeHosts> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./child.ts', import.meta.url)), String(n)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  )
  const khDir = await mkdtemp(join(tmpdir(), 'replab-fakehost-kh-'))
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)))
  const stop = async (): Promise<void> => {
    await rm(khDir, { recursive: true, force: true })
    if (child.exitCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.stdin.end()
    const t = setTimeout(() => child.kill('SIGKILL'), 30_000)
    await exited
    clearTimeout(t)
  }
  const hosts = await new Promise<FakeHosts['hosts']>((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`fake hosts exited ${c}: ${err.trim()}`)))
    createInterface({ input: child.stdout }).on('line', (l) => {
      try {
        const v = JSON.parse(l) as { hosts?: FakeHosts['hosts'] }
        if (v.hosts) resolve(v.hosts)
      } catch {
        // not the announcement
      }
    })
  }).catch(async (e: unknown) => {
    await stop()
    throw e
  })
  return { hosts, pid: child.pid ?? -1, knownHosts: join(khDir, 'known_hosts'), stop }
}
