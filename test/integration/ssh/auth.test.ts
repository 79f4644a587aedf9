import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import type { LabError } from '../../../contract/errors'
import { connectHost, resolveTarget } from '../../../main/ssh'
import type { AuthOptions, SecretRequest } from '../../../main/ssh'
import { poll } from '../../helpers/poll'
import { authorize, makeKey } from '../../helpers/sshd'
import { requireSystemDeps } from '../../helpers/system-deps'
import { useSshd } from '../../helpers/use-sshd'

// Every authentication method against a real sshd: agent, key types, passphrase, password.
const run = promisify(execFile)
const rig = useSshd({ prefix: 'replab-ssh-auth-' })

async function login(auth: AuthOptions, identityFile?: string): Promise<string> {
  const target = await resolveTarget(rig.target(), {
    configFile: null,
    homeDir: rig.dir,
    ...(identityFile === undefined ? {} : { identityFile }),
  })
  const conn = await connectHost(target, {
    knownHosts: { file: join(rig.dir, 'known_hosts'), userFile: null },
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

describe('authentication against OpenSSH sshd', () => {
  it('authenticates through a real ssh-agent', async () => {
    requireSystemDeps(['ssh-agent', 'ssh-add'])
    const key = await makeKey(rig.dir, 'agent-key')
    await authorize(rig.sshd, key.pub)
    const sock = join(rig.dir, 'agent.sock')
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' })
    try {
      await poll(
        () =>
          run('ssh-add', ['-l'], { env: { SSH_AUTH_SOCK: sock } }).then(
            () => true,
            (e: { code?: number }) => e.code === 1, // 1 = agent up, no identities
          ),
        { what: 'ssh-agent answering on its socket' },
      )
      await run('ssh-add', [key.path], { env: { SSH_AUTH_SOCK: sock } })
      expect(await login({ agent: sock })).toBe(rig.user.name)
    } finally {
      agent.kill()
    }
  })

  it('authenticates with ed25519, ECDSA and RSA key files', async () => {
    for (const type of ['ed25519', 'ecdsa', 'rsa'] as const) {
      const key = await makeKey(rig.dir, `key-${type}`, type)
      await authorize(rig.sshd, key.pub)
      expect(await login({ agent: null }, key.path)).toBe(rig.user.name)
    }
  })

  it('unlocks an encrypted key with the passphrase from the prompt', async () => {
    const key = await makeKey(rig.dir, 'enc-key', 'ed25519', 'correct horse')
    await authorize(rig.sshd, key.pub)
    const asked: SecretRequest[] = []
    const prompt = async (r: SecretRequest): Promise<string | null> => {
      asked.push(r)
      return 'correct horse'
    }
    expect(await login({ agent: null, prompt }, key.path)).toBe(rig.user.name)
    expect(asked.map((a) => [a.kind, a.prompt])).toEqual([['passphrase', key.path]])
  })

  it('a wrong passphrase three times is ssh-auth naming the key', async () => {
    const key = await makeKey(rig.dir, 'enc-key2', 'ed25519', 'right')
    await authorize(rig.sshd, key.pub)
    let count = 0
    const prompt = async (): Promise<string> => (count++, 'wrong')
    const err = await failure(login({ agent: null, prompt }, key.path))
    expect(err.code).toBe('ssh-auth')
    expect(err.message).toContain(key.path)
    expect(count).toBe(3)
  })
})

describe('passwords and reconnects against OpenSSH sshd', () => {
  it('authenticates with a password from the prompt (throwaway user, see helpers/sshd.ts)', async () => {
    const prompt = async (r: SecretRequest): Promise<string | null> =>
      r.kind === 'password' ? rig.user.password : null
    expect(await login({ agent: null, prompt })).toBe(rig.user.name)
  })

  it('a wrong password is ssh-auth naming user@host:port', async () => {
    const err = await failure(login({ agent: null, password: 'nope' }))
    expect(err.code).toBe('ssh-auth')
    expect(err.message).toContain(rig.target())
  })

  it('a reconnect reuses the unlocked key: the passphrase is asked once', async () => {
    const key = await makeKey(rig.dir, 'enc-key3', 'ed25519', 'once only')
    await authorize(rig.sshd, key.pub)
    let asked = 0
    const t = await resolveTarget(rig.target(), {
      configFile: null,
      homeDir: rig.dir,
      identityFile: key.path,
    })
    const conn = await connectHost(t, {
      knownHosts: { file: join(rig.dir, 'known_hosts'), userFile: null },
      hostKeyPolicy: 'accept-new',
      auth: { agent: null, prompt: async () => (asked++, 'once only') },
      reconnect: { baseMs: 50 },
    })
    try {
      await conn.exec('true', { timeoutMs: 5000 })
      const dropped = new Promise<void>((resolve) => {
        const off = conn.onState((s) => s.state === 'reconnecting' && (off(), resolve()))
      })
      await rig.sshd.restart()
      await dropped
      expect((await conn.exec('echo hi', { timeoutMs: 10_000 })).stdout).toBe('hi\n')
      expect(asked).toBe(1)
    } finally {
      conn.close()
    }
  })
})
