import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { Server as NetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Server, utils } from 'ssh2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LabError } from '../../../contract/errors'
import { connectHost, resolveTarget, verifyHostKey } from '../../../main/ssh'
import type { ConnectHostOptions, SecretRequest } from '../../../main/ssh'

// Connection failures become typed errors naming user@host:port; keyboard-interactive through
// the prompt; known_hosts writes to the user's file only on opt-in. Local servers only.
let dir: string
let blackhole: NetServer
let blackholePort: number

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'replab-ssh-err-'))
  blackhole = createServer((s) => s.resume()) // accepts, reads, never speaks SSH
  await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r))
  blackholePort = (blackhole.address() as { port: number }).port
})

afterAll(async () => {
  await new Promise((r) => blackhole.close(r))
  await rm(dir, { recursive: true, force: true })
})

const options = (extra: Partial<ConnectHostOptions> = {}): ConnectHostOptions => ({
  knownHosts: { file: join(dir, 'known_hosts'), userFile: null },
  hostKeyPolicy: 'accept-new',
  auth: { agent: null },
  ...extra,
})

async function failOn(spec: string, extra: Partial<ConnectHostOptions> = {}): Promise<LabError> {
  const t = await resolveTarget(spec, { configFile: null, homeDir: dir })
  return connectHost(t, options(extra)).then(
    (c) => {
      c.close()
      throw new Error('connected unexpectedly')
    },
    (e: unknown) => e as LabError,
  )
}

describe('connect failures are typed', () => {
  it('refused connection → ssh-connect naming the target', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port
        s.close(() => resolve(p))
      })
    })
    const err = await failOn(`u@127.0.0.1:${port}`)
    expect(err).toMatchObject({ code: 'ssh-connect' })
    expect(err.message).toContain(`u@127.0.0.1:${port}`)
  })

  it('no SSH banner within ConnectTimeout → ssh-timeout', async () => {
    const err = await failOn(`u@127.0.0.1:${blackholePort}`, { readyTimeoutMs: 300 })
    expect(err).toMatchObject({ code: 'ssh-timeout' })
  })

  it('abort while connecting → aborted', async () => {
    const ac = new AbortController()
    // The user aborts 50 ms into the connect (behaviour under test).
    setTimeout(() => ac.abort(), 50)
    const err = await failOn(`u@127.0.0.1:${blackholePort}`, {
      signal: ac.signal,
      readyTimeoutMs: 5000,
    })
    expect(err).toMatchObject({ code: 'aborted' })
  })
})

describe('keyboard-interactive', () => {
  it('answers the server prompts through the prompt callback', async () => {
    const hostKey = parsableEd25519()
    const srv = new Server({ hostKeys: [hostKey] }, (client) => {
      client.on('error', () => undefined)
      client.on('authentication', (ctx) => {
        if (ctx.method !== 'keyboard-interactive') return ctx.reject(['keyboard-interactive'])
        ctx.prompt([{ prompt: 'Code: ', echo: false }], (answers) =>
          answers[0] === '4242' ? ctx.accept() : ctx.reject(),
        )
      })
    })
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
    const port = (srv.address() as { port: number }).port
    const asked: SecretRequest[] = []
    try {
      const t = await resolveTarget(`op@127.0.0.1:${port}`, { configFile: null, homeDir: dir })
      const conn = await connectHost(
        t,
        options({
          auth: {
            agent: null,
            prompt: async (r) => (asked.push(r), r.kind === 'keyboard-interactive' ? '4242' : null),
          },
        }),
      )
      conn.close()
      expect(asked.map((a) => [a.kind, a.prompt, a.echo])).toEqual([
        ['keyboard-interactive', 'Code: ', false],
      ])
    } finally {
      srv.close()
    }
  })
})

describe('user known_hosts is written only on opt-in', () => {
  const key = utils.parseKey(utils.generateKeyPairSync('ed25519').public)
  const blob = key instanceof Error ? Buffer.alloc(0) : key.getPublicSSH()
  const hop = { label: 'u@lab:22', host: 'lab', port: 22 }

  it('records in replab file only by default, and in both with writeUserFile', async () => {
    const own = join(dir, 'own1')
    const user = join(dir, 'user1')
    await verifyHostKey(hop, blob, { file: own, userFile: user }, 'accept-new')
    expect(await readFile(own, 'utf8')).toContain('ssh-ed25519')
    await expect(readFile(user, 'utf8')).rejects.toThrow(/ENOENT/)
    const own2 = join(dir, 'own2')
    await verifyHostKey(
      hop,
      blob,
      { file: own2, userFile: user, writeUserFile: true },
      'accept-new',
    )
    expect(await readFile(user, 'utf8')).toContain('ssh-ed25519')
  })

  it('a key in the user file alone is trusted under strict', async () => {
    const user = join(dir, 'user1')
    await expect(
      verifyHostKey(hop, blob, { file: join(dir, 'own3'), userFile: user }, 'strict'),
    ).resolves.toBeUndefined()
  })
})

/**
 * An ed25519 private key ssh2 can read back: ssh2's generateKeyPairSync occasionally emits one
 * its own parser rejects ("Malformed OpenSSH private key"; labsim regenerates the same way).
 */
function parsableEd25519(): string {
  for (;;) {
    const key = utils.generateKeyPairSync('ed25519').private
    if (!(utils.parseKey(key) instanceof Error)) return key
  }
}
