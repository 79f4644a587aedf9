import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LabError } from '../../../contract/errors'
import { connectHost, resolveTarget } from '../../../main/ssh'
import type { ConnectHostOptions, SshConnection } from '../../../main/ssh'
import { poll } from '../../helpers/poll'
import { useSshd } from '../../helpers/use-sshd'

// exec / stream against Debian's real OpenSSH sshd: throughput without errors, and remote kill.
const rig = useSshd({ prefix: 'replab-ssh-exec-' })
let conn: SshConnection

const opts = (): ConnectHostOptions => ({
  knownHosts: { file: join(rig.dir, 'known_hosts'), userFile: null },
  hostKeyPolicy: 'accept-new',
  auth: { agent: null },
})

beforeAll(async () => {
  const target = await resolveTarget(rig.target(), {
    configFile: null,
    identityFile: rig.key.path,
    homeDir: rig.dir,
  })
  conn = await connectHost(target, opts())
})

afterAll(() => conn?.close())

async function sleepers(): Promise<number> {
  return (await rig.sshd.descendants()).filter((p) => /(^|\/)sleep 100$/.test(p.args)).length
}

/** Polls until `pred` holds; the timeout names the processes still under sshd. */
async function waitFor(pred: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  await poll(
    async () => {
      if (await pred()) return true
      throw new Error(
        `processes under sshd: ${(await rig.sshd.descendants()).map((d) => d.args).join(' | ')}`,
      )
    },
    { timeoutMs: ms, what },
  )
}

describe('exec against OpenSSH sshd', () => {
  it('runs a command and reports stdout, stderr, exit code and duration', async () => {
    const r = await conn.exec('echo out; echo err >&2; exit 3', { timeoutMs: 5000 })
    expect(r).toMatchObject({ stdout: 'out\n', stderr: 'err\n', code: 3, signal: null })
    expect(r.durationMs).toBeGreaterThan(0)
    expect(conn.target).toBe(rig.target())
  })

  it('a read fused after the command (readAfter) comes back apart from the command', async () => {
    // The test user's login shell runs both; the command's own output, stderr and exit code stay
    // its own, and a command given its own stdin is run alone.
    const read = { script: 'read -r M\nprintf "%s:read:\\n" "$M"\necho gone >&2\n', stdin: '@@m\n' }
    const r = await conn.exec('printf out; echo err >&2; (exit 4)', {
      timeoutMs: 5000,
      readAfter: read,
    })
    expect(r).toMatchObject({ stdout: 'out', stderr: 'err\n', code: 4, signal: null })
    expect(r.after?.stdout).toBe('@@m:read:\n')
    expect(r.after?.durationMs).toBeGreaterThanOrEqual(0)
    const own = await conn.exec('cat', { timeoutMs: 5000, stdin: 'mine', readAfter: read })
    expect(own).toMatchObject({ stdout: 'mine', code: 0 })
    expect(own.after).toBeUndefined()
  })

  it('output beyond the cap is a typed command-failed and the command is killed', async () => {
    const small = await connectHost(conn.resolved, { ...opts(), maxOutputBytes: 1024 * 1024 })
    try {
      const err = await small
        .exec('cat /dev/zero', { timeoutMs: 10_000 })
        .catch((e: unknown) => e as LabError)
      expect(err).toMatchObject({ code: 'command-failed' })
      expect((err as LabError).message).toContain('exceeds 1048576 bytes')
    } finally {
      small.close()
    }
  })

  it('passes stdin and then EOF', async () => {
    const r = await conn.exec('wc -c', { timeoutMs: 5000, stdin: 'hello' })
    expect(r.stdout.trim()).toBe('5')
  })

  it('recorded the host key on first use (accept-new) with the fingerprint OpenSSH prints', async () => {
    const text = await readFile(join(rig.dir, 'known_hosts'), 'utf8')
    expect(text).toMatch(/^\|1\|[^|]+\|\S+ ssh-ed25519 \S+\n$/)
    await writeFile(join(rig.dir, 'kh-check'), text)
    expect(rig.sshd.hostFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
  })

  it('runs 200 sequential commands without an error, without the delayed-ACK stall', async () => {
    const ms: number[] = []
    for (let i = 0; i < 200; i++) {
      const r = await conn.exec(`echo ${i}`, { timeoutMs: 5000 })
      expect(r.stdout).toBe(`${i}\n`)
      ms.push(r.durationMs)
    }
    // Without setNoDelay every exec waits ≥40 ms on delayed ACK (docs/perf.md 2b: 47.7 vs 3.2 ms).
    const median = ms.sort((a, b) => a - b)[100] ?? Infinity
    expect(median).toBeLessThan(35)
  })

  it('rejects a nonsense timeout with invalid-request', async () => {
    for (const timeoutMs of [0, -1, Number.NaN, Infinity]) {
      await expect(conn.exec('true', { timeoutMs })).rejects.toMatchObject({
        code: 'invalid-request',
      })
    }
  })

  it('runs 400 parallel commands without an error, at most 4 channels in flight', async () => {
    let peak = 0
    const results = await Promise.all(
      Array.from({ length: 400 }, async (_, i) => {
        const p = conn.exec(`echo ${i}`, { timeoutMs: 20_000 })
        peak = Math.max(peak, conn.execLimiter.inFlight)
        return p
      }),
    )
    results.forEach((r, i) => expect(r.stdout).toBe(`${i}\n`))
    expect(peak).toBeLessThanOrEqual(4)
  })
})

describe('timeouts and aborts kill the remote process group', () => {
  it('timeout kills the remote sleep 100 (gone from the process list)', async () => {
    const p = conn.exec('sleep 100', { timeoutMs: 1500 }).catch((e: unknown) => e)
    await waitFor(async () => (await sleepers()) === 1, 1400, 'the remote sleep 100 running')
    const err = await p
    expect(err).toBeInstanceOf(LabError)
    expect((err as LabError).code).toBe('ssh-timeout')
    expect((err as LabError).message).toContain(rig.target())
    await waitFor(async () => (await sleepers()) === 0, 3000, 'the remote sleep 100 killed')
  })

  it('abort kills a remote pipeline in a subshell too (whole process group)', async () => {
    const ac = new AbortController()
    const p = conn.exec('(sleep 100; echo never) | cat; echo after', {
      timeoutMs: 30_000,
      signal: ac.signal,
    })
    await waitFor(async () => (await sleepers()) === 1, 5000, 'the remote sleep 100 running')
    ac.abort()
    const err = await p.catch((e: unknown) => e)
    expect((err as LabError).code).toBe('aborted')
    await waitFor(async () => (await sleepers()) === 0, 3000, 'the remote sleep 100 killed')
    expect((await rig.sshd.descendants()).some((d) => / cat$|^cat$/.test(d.args))).toBe(false)
  })
})

describe('stream against OpenSSH sshd', () => {
  it('streams output with backpressure and ends on exit', async () => {
    const ac = new AbortController()
    const s = conn.stream('seq 1 20000', { signal: ac.signal })
    let text = ''
    for await (const chunk of s) text += (chunk as Buffer).toString()
    expect(text.split('\n').length).toBe(20001)
  })

  it('an aborted stream ends and kills the remote command', async () => {
    const ac = new AbortController()
    const s = conn.stream('while :; do echo tick; sleep 0.05; done', { signal: ac.signal })
    const first = await new Promise<string>((resolve) =>
      s.once('data', (d: Buffer) => resolve(d.toString())),
    )
    expect(first).toContain('tick')
    ac.abort()
    await new Promise((resolve) => s.on('end', resolve).resume())
    await waitFor(
      async () => !(await rig.sshd.descendants()).some((d) => d.args.includes('sleep 0.05')),
      3000,
      "the aborted stream's remote loop killed",
    )
  })

  it('a failing stream is destroyed with command-failed and its stderr', async () => {
    const s = conn.stream('echo oops >&2; exit 2', { signal: new AbortController().signal })
    const err = await new Promise<unknown>((resolve) => s.on('error', resolve).resume())
    expect((err as LabError).code).toBe('command-failed')
    expect((err as LabError).message).toContain('oops')
  })
})
