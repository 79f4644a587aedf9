import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectHost, resolveTarget } from '../../../main/ssh'
import type { HostKeyQuestion, SshConnection } from '../../../main/ssh'
import type { Lab } from '../../../labsim/index'
import { removeDir } from '../../helpers/sshd'

// The same exec/stream path against labsim's ssh2 server (the embedded default host).
let lab: Lab | undefined
let conn: SshConnection
let dir: string
const asked: HostKeyQuestion[] = []

beforeAll(async () => {
  const { startLab } = await import('../../../labsim/index')
  dir = await mkdtemp(join(tmpdir(), 'replab-ssh-labsim-'))
  lab = await startLab({ hosts: 1, speed: 0.02, keyDir: dir })
  const h = lab.hosts[0]
  if (!h) throw new Error('labsim started no host')
  const target = await resolveTarget(`${h.user}@${h.host}:${h.port}`, {
    configFile: null,
    identityFile: h.identityFile,
    homeDir: dir,
  })
  conn = await connectHost(target, {
    knownHosts: { file: join(dir, 'known_hosts'), userFile: null },
    hostKeyPolicy: async (q) => (asked.push(q), 'trust'),
    auth: { agent: null },
  })
})

afterAll(async () => {
  conn?.close()
  await lab?.stop()
  if (dir) await removeDir(dir)
})

describe('main/ssh against labsim', () => {
  it('shows the fingerprint labsim announces, exactly', () => {
    expect(asked.map((q) => q.fingerprint)).toEqual([lab?.hosts[0]?.hostKeyFingerprint])
  })

  it('execs a command with exit code and output', async () => {
    const r = await conn.exec('echo hello', { timeoutMs: 5000 })
    expect(r).toMatchObject({ stdout: 'hello\n', code: 0 })
    const bad = await conn.exec('cat /nonexistent/file', { timeoutMs: 5000 })
    expect(bad.code).not.toBe(0)
  })

  it('runs 100 parallel commands without an error', async () => {
    const rs = await Promise.all(
      Array.from({ length: 100 }, (_, i) => conn.exec(`echo ${i}`, { timeoutMs: 10_000 })),
    )
    rs.forEach((r, i) => expect(r.stdout).toBe(`${i}\n`))
  })

  it('streams a command to its end', async () => {
    const s = conn.stream('echo one; echo two', { signal: new AbortController().signal })
    let text = ''
    for await (const c of s) text += (c as Buffer).toString()
    expect(text).toBe('one\ntwo\n')
  })
})
