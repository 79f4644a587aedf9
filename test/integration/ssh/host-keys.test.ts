import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import type { LabError } from '../../../contract/errors'
import { connectHost, fingerprintSha256, resolveTarget } from '../../../main/ssh'
import type { HostKeyPolicy, HostKeyQuestion, ResolvedTarget } from '../../../main/ssh'
import { authorize, makeKey, pubBlob, startSshd } from '../../helpers/sshd'
import { useSshd } from '../../helpers/use-sshd'

// Host-key verification against a real sshd: what OpenSSH users expect from known_hosts.
const run = promisify(execFile)
const rig = useSshd({ prefix: 'replab-ssh-hk-' })
let target: ResolvedTarget

beforeAll(async () => {
  target = await resolveTarget(rig.target(), {
    configFile: null,
    identityFile: rig.key.path,
    homeDir: rig.dir,
  })
})

let n = 0
async function attempt(
  policy: HostKeyPolicy,
  knownHostsText?: string,
): Promise<{ err?: LabError; file: string }> {
  const file = join(rig.dir, `kh-${n++}`)
  if (knownHostsText !== undefined) await writeFile(file, knownHostsText)
  try {
    const conn = await connectHost(target, {
      knownHosts: { file, userFile: null },
      hostKeyPolicy: policy,
      auth: { agent: null },
    })
    await conn.exec('true', { timeoutMs: 5000 })
    conn.close()
    return { file }
  } catch (err) {
    return { err: err as LabError, file }
  }
}

describe('host keys against OpenSSH sshd', () => {
  it('refuses an unknown key without accept-new, naming host, port and the fingerprint', async () => {
    const { err, file } = await attempt('strict')
    expect(err?.code).toBe('ssh-hostkey-unknown')
    expect(err?.message).toContain(`127.0.0.1 port ${rig.sshd.port}`)
    expect(err?.message).toContain(rig.sshd.hostFingerprint)
    await expect(readFile(file, 'utf8')).rejects.toThrow(/ENOENT/)
    // refused during key exchange: sshd never saw an authentication attempt
    expect(rig.sshd.log()).toContain('Connection from 127.0.0.1')
    expect(rig.sshd.log()).not.toMatch(/publickey|password|Accepted|Postponed/)
  })

  it('accepts and records an unknown key with accept-new; the record then passes strict', async () => {
    const { err, file } = await attempt('accept-new')
    expect(err).toBeUndefined()
    const text = await readFile(file, 'utf8')
    const again = await attempt('strict', text)
    expect(again.err).toBeUndefined()
    // OpenSSH's own client accepts the file replab wrote (hashed [host]:port entry).
    const found = await run('ssh-keygen', ['-F', `[127.0.0.1]:${rig.sshd.port}`, '-f', file])
    expect(found.stdout).toContain('ssh-ed25519')
  })

  it('refuses a changed key, naming both fingerprints and the known_hosts line', async () => {
    const other = await makeKey(rig.dir, 'other-host-key')
    const { err, file } = await attempt(
      'accept-new',
      `# comment\n[127.0.0.1]:${rig.sshd.port} ${other.pub}\n`,
    )
    expect(err?.code).toBe('ssh-hostkey-changed')
    expect(err?.message).toContain(rig.sshd.hostFingerprint)
    expect(err?.message).toContain(fingerprintSha256(pubBlob(other.pub)))
    expect(err?.message).toContain(`${file}:2`)
  })

  it('matches a hashed entry made by OpenSSH (ssh-keygen -H)', async () => {
    const file = join(rig.dir, 'hashed-by-openssh')
    await writeFile(file, `[127.0.0.1]:${rig.sshd.port} ${rig.sshd.hostPub}\n`)
    await run('ssh-keygen', ['-H', '-f', file])
    const text = await readFile(file, 'utf8')
    expect(text).toMatch(/^\|1\|/)
    expect((await attempt('strict', text)).err).toBeUndefined()
  })

  it('refuses a key marked @revoked even with accept-new', async () => {
    const { err } = await attempt('accept-new', `@revoked * ${rig.sshd.hostPub}\n`)
    expect(err?.code).toBe('ssh-hostkey-revoked')
  })
})

describe('host key prompts, odd files and key types', () => {
  it('asks the prompt callback on first use and records only when trusted', async () => {
    const asked: HostKeyQuestion[] = []
    const rejected = await attempt(async (q) => (asked.push(q), 'reject'))
    expect(rejected.err?.code).toBe('ssh-hostkey-unknown')
    expect(asked[0]).toMatchObject({
      host: '127.0.0.1',
      port: rig.sshd.port,
      keyType: 'ssh-ed25519',
    })
    expect(asked[0]?.fingerprint).toBe(rig.sshd.hostFingerprint)
    const trusted = await attempt(async () => 'trust')
    expect(trusted.err).toBeUndefined()
    expect(await readFile(trusted.file, 'utf8')).toContain('ssh-ed25519')
  })

  it('skips bad lines and @cert-authority lines, reporting bad ones with file:line', async () => {
    const problems: string[] = []
    const file = join(rig.dir, 'mixed')
    await writeFile(
      file,
      `garbage\n@cert-authority * ${rig.sshd.hostPub}\n[127.0.0.1]:${rig.sshd.port} ${rig.sshd.hostPub}\n`,
    )
    const conn = await connectHost(target, {
      knownHosts: { file, userFile: null, onProblem: (p) => problems.push(`${p.file}:${p.line}`) },
      hostKeyPolicy: 'strict',
      auth: { agent: null },
    })
    conn.close()
    expect(problems).toEqual([`${file}:1`])
  })

  it('a host known only by its ECDSA key is verified by that key, not reported unknown', async () => {
    const multi = await startSshd({ ecdsaHostKey: true })
    try {
      await authorize(multi, (await readFile(`${target.identityFiles[0]}.pub`, 'utf8')).trim())
      const t = { ...target, port: multi.port, label: rig.target(multi) }
      const file = join(rig.dir, 'kh-ecdsa-only')
      const ecdsaPub = multi.ecdsaHostPub ?? ''
      await writeFile(file, `[127.0.0.1]:${multi.port} ${ecdsaPub}\n`)
      const conn = await connectHost(t, {
        knownHosts: { file, userFile: null },
        hostKeyPolicy: 'strict',
        auth: { agent: null },
      })
      conn.close()
    } finally {
      await multi.stop()
    }
  })
})

describe('the handshake deadline and a person answering a host-key question', () => {
  it('does not count the time a person takes to answer against ConnectTimeout', async () => {
    // The behaviour under test: a person who takes 1.5 s to answer, past the 700 ms deadline.
    const slowTrust: HostKeyPolicy = () => new Promise((r) => setTimeout(() => r('trust'), 1500))
    const conn = await connectHost(target, {
      knownHosts: { file: join(rig.dir, `kh-${n++}`), userFile: null },
      hostKeyPolicy: slowTrust,
      auth: { agent: null },
      readyTimeoutMs: 700,
    })
    expect((await conn.exec('echo ok', { timeoutMs: 5000 })).stdout).toBe('ok\n')
    conn.close()
  })

  it('an answer that comes after the connect was aborted is dropped, not a crash', async () => {
    let answer: (a: 'trust') => void = () => {}
    let asking: () => void = () => {}
    const asked = new Promise<void>((r) => (asking = r))
    const policy: HostKeyPolicy = () =>
      new Promise((r) => {
        answer = r
        asking()
      })
    const abort = new AbortController()
    const connecting = connectHost(target, {
      knownHosts: { file: join(rig.dir, `kh-${n++}`), userFile: null },
      hostKeyPolicy: policy,
      auth: { agent: null },
      signal: abort.signal,
    }).catch((e: LabError) => e)
    await asked
    abort.abort()
    expect(await connecting).toMatchObject({ code: 'aborted' })
    // Late answer: before the fix ssh2 threw `protocol._destruct is not a function` here and
    // took the console's main process down.
    answer('trust')
    // The late answer ran on the aborted handshake (it throws synchronously when it crashes);
    // ssh2 and this process still work: a fresh connection to the same host succeeds.
    const after = await connectHost(target, {
      knownHosts: { file: join(rig.dir, `kh-${n++}`), userFile: null },
      hostKeyPolicy: async () => 'trust',
      auth: { agent: null },
    })
    try {
      expect((await after.exec('echo ok', { timeoutMs: 5000 })).stdout).toBe('ok\n')
    } finally {
      after.close()
    }
  })

  it('a server that never speaks SSH times out with ssh-timeout naming the host', async () => {
    const { createServer } = await import('node:net')
    const mute = createServer((s) => s.on('error', () => {}))
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r))
    const port = (mute.address() as { port: number }).port
    try {
      const t = await resolveTarget(`nobody@127.0.0.1:${port}`, {
        configFile: null,
        homeDir: rig.dir,
      })
      const started = Date.now()
      const err = await connectHost(t, {
        knownHosts: { file: join(rig.dir, `kh-${n++}`), userFile: null },
        hostKeyPolicy: 'strict',
        auth: { agent: null },
        readyTimeoutMs: 500,
      }).catch((e: LabError) => e)
      expect(err).toMatchObject({ code: 'ssh-timeout' })
      expect((err as LabError).message).toContain(`127.0.0.1:${port}`)
      expect(Date.now() - started).toBeLessThan(10_000)
    } finally {
      mute.close()
    }
  })
})
