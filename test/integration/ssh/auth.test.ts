import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { execFile } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LabError } from '../../../contract/errors'
import { connectHost, resolveTarget } from '../../../main/ssh'
import type { AuthOptions, SecretRequest } from '../../../main/ssh'
import type { Sshd, TestUser } from '../../helpers/sshd'
import {
  authorize,
  createTestUser,
  makeKey,
  removeDir,
  sshdAvailable,
  startSshd,
} from '../../helpers/sshd'

// Every authentication method against a real sshd: agent, key types, passphrase, password.
const run = promisify(execFile)
const available = sshdAvailable()
let sshd: Sshd
let user: TestUser
let dir: string

beforeAll(async () => {
  if (!available) return
  dir = await mkdtemp(join(tmpdir(), 'replab-ssh-auth-'))
  ;[sshd, user] = await Promise.all([startSshd(), createTestUser()])
})

afterAll(async () => {
  if (!available) return
  await sshd?.stop()
  await user?.remove()
  await removeDir(dir)
})

async function login(auth: AuthOptions, identityFile?: string): Promise<string> {
  const target = await resolveTarget(`${user.name}@127.0.0.1:${sshd.port}`, {
    configFile: null,
    homeDir: dir,
    ...(identityFile === undefined ? {} : { identityFile }),
  })
  const conn = await connectHost(target, {
    knownHosts: { file: join(dir, 'known_hosts'), userFile: null },
    hostKeyPolicy: 'accept-new',
    auth,
  })
  try {
    return (await conn.exec('id -un', { timeoutMs: 5000 })).stdout.trim()
  } finally {
    conn.close()
  }
}

async function failure(p: Promise<unknown>): Promise<LabError> {
  return p.then(
    () => {
      throw new Error('expected a failure')
    },
    (e: unknown) => e as LabError,
  )
}

describe.skipIf(!available)('authentication against OpenSSH sshd', () => {
  it('authenticates through a real ssh-agent', async () => {
    const key = await makeKey(dir, 'agent-key')
    await authorize(sshd, key.pub)
    const sock = join(dir, 'agent.sock')
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' })
    try {
      for (let i = 0; i < 100; i++) {
        const ok = await run('ssh-add', ['-l'], { env: { SSH_AUTH_SOCK: sock } }).then(
          () => true,
          (e: { code?: number }) => e.code === 1, // 1 = agent up, no identities
        )
        if (ok) break
        await new Promise((r) => setTimeout(r, 20))
      }
      await run('ssh-add', [key.path], { env: { SSH_AUTH_SOCK: sock } })
      expect(await login({ agent: sock })).toBe(user.name)
    } finally {
      agent.kill()
    }
  })

  it('authenticates with ed25519, ECDSA and RSA key files', async () => {
    for (const type of ['ed25519', 'ecdsa', 'rsa'] as const) {
      const key = await makeKey(dir, `key-${type}`, type)
      await authorize(sshd, key.pub)
      expect(await login({ agent: null }, key.path)).toBe(user.name)
    }
  })

  it('unlocks an encrypted key with the passphrase from the prompt', async () => {
    const key = await makeKey(dir, 'enc-key', 'ed25519', 'correct horse')
    await authorize(sshd, key.pub)
    const asked: SecretRequest[] = []
    const prompt = async (r: SecretRequest): Promise<string | null> => {
      asked.push(r)
      return 'correct horse'
    }
    expect(await login({ agent: null, prompt }, key.path)).toBe(user.name)
    expect(asked.map((a) => [a.kind, a.prompt])).toEqual([['passphrase', key.path]])
  })

  it('a wrong passphrase three times is ssh-auth naming the key', async () => {
    const key = await makeKey(dir, 'enc-key2', 'ed25519', 'right')
    await authorize(sshd, key.pub)
    let count = 0
    const prompt = async (): Promise<string> => (count++, 'wrong')
    const err = await failure(login({ agent: null, prompt }, key.path))
    expect(err.code).toBe('ssh-auth')
    expect(err.message).toContain(key.path)
    expect(count).toBe(3)
  })
})

describe.skipIf(!available)('passwords and reconnects against OpenSSH sshd', () => {
  it('authenticates with a password from the prompt (throwaway user, see helpers/sshd.ts)', async () => {
    const prompt = async (r: SecretRequest): Promise<string | null> =>
      r.kind === 'password' ? user.password : null
    expect(await login({ agent: null, prompt })).toBe(user.name)
  })

  it('a wrong password is ssh-auth naming user@host:port', async () => {
    const err = await failure(login({ agent: null, password: 'nope' }))
    expect(err.code).toBe('ssh-auth')
    expect(err.message).toContain(`${user.name}@127.0.0.1:${sshd.port}`)
  })

  it('a reconnect reuses the unlocked key: the passphrase is asked once', async () => {
    const key = await makeKey(dir, 'enc-key3', 'ed25519', 'once only')
    await authorize(sshd, key.pub)
    let asked = 0
    const t = await resolveTarget(`${user.name}@127.0.0.1:${sshd.port}`, {
      configFile: null,
      homeDir: dir,
      identityFile: key.path,
    })
    const conn = await connectHost(t, {
      knownHosts: { file: join(dir, 'known_hosts'), userFile: null },
      hostKeyPolicy: 'accept-new',
      auth: { agent: null, prompt: async () => (asked++, 'once only') },
      reconnect: { baseMs: 50 },
    })
    try {
      await conn.exec('true', { timeoutMs: 5000 })
      const dropped = new Promise<void>((resolve) => {
        const off = conn.onState((s) => s.state === 'reconnecting' && (off(), resolve()))
      })
      await sshd.restart()
      await dropped
      expect((await conn.exec('echo hi', { timeoutMs: 10_000 })).stdout).toBe('hi\n')
      expect(asked).toBe(1)
    } finally {
      conn.close()
    }
  })
})
