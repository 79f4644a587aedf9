import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { beforeAll, describe, expect, it } from 'vitest'
import type { LabError } from '../../../contract/errors'
import { connectHost, resolveTarget, SshPool } from '../../../main/ssh'
import type { ConnectHostOptions, ResolvedTarget } from '../../../main/ssh'
import { poll } from '../../helpers/poll'
import { useSshd } from '../../helpers/use-sshd'

// Shell, backpressure, channel-open retries and the control/interactive split on real sshd.
// The second server allows one session at a time (MaxSessions 1).
const rig = useSshd({ prefix: 'replab-ssh-ch-', servers: [{}, { config: ['MaxSessions 1'] }] })
let target: ResolvedTarget
let tightTarget: ResolvedTarget

beforeAll(async () => {
  const o = { configFile: null, identityFile: rig.key.path, homeDir: rig.dir }
  target = await resolveTarget(rig.target(), o)
  tightTarget = await resolveTarget(rig.target(rig.servers[1]), o)
})

const options = (extra: Partial<ConnectHostOptions> = {}): ConnectHostOptions => ({
  knownHosts: { file: join(rig.dir, 'known_hosts'), userFile: null },
  hostKeyPolicy: 'accept-new',
  auth: { agent: null },
  ...extra,
})

function readUntil(stream: Readable, re: RegExp): Promise<string> {
  return new Promise((resolve) => {
    let text = ''
    const onData = (d: Buffer): void => {
      text += d.toString()
      if (re.test(text)) {
        stream.off('data', onData)
        resolve(text)
      }
    }
    stream.on('data', onData)
  })
}

describe('shell and stream flow control', () => {
  it('opens a PTY shell and resizes it', async () => {
    const conn = await connectHost(target, options())
    try {
      const sh = await conn.shell({ cols: 100, rows: 30 })
      sh.stream.write('stty size\n')
      await readUntil(sh.stream, /30 100/)
      sh.resize(120, 40)
      sh.stream.write('stty size\n')
      await readUntil(sh.stream, /40 120/)
      sh.close()
    } finally {
      conn.close()
    }
  })

  it('a paused stream blocks the remote writer and loses nothing on resume', async () => {
    const conn = await connectHost(target, options())
    const total = 32 * 1024 * 1024
    try {
      const s = conn.stream(`head -c ${total} /dev/zero; echo done >&2`, {
        signal: new AbortController().signal,
      })
      const headAlive = async (): Promise<boolean> =>
        (await rig.sshd.descendants()).some((d) => d.args.startsWith(`head -c ${total}`))
      // Nobody reads. Unthrottled, 32 MiB cross loopback in well under 400 ms; wait until the
      // paused stream's buffer has stopped growing for a poll interval (≥50 ms), then `head`
      // must still be blocked in write() with at most ssh2's window buffered here.
      let last = -1
      await poll(
        () => {
          const settled = s.readableLength > 0 && s.readableLength === last
          last = s.readableLength
          return settled
        },
        { intervalMs: 50, what: 'the paused stream to stop receiving' },
      )
      expect(await headAlive()).toBe(true)
      expect(s.readableLength).toBeLessThanOrEqual(4 * 1024 * 1024)
      let got = 0
      for await (const chunk of s) got += (chunk as Buffer).length
      expect(got).toBe(total)
    } finally {
      conn.close()
    }
  })
})

describe('channel-open failures (sshd MaxSessions 1)', () => {
  it('retries "open failed" until a session slot frees', async () => {
    const conn = await connectHost(tightTarget, options({ maxExecChannels: 2 }))
    try {
      const [a, b] = await Promise.all([
        conn.exec('sleep 0.05; echo a', { timeoutMs: 5000 }),
        conn.exec('echo b', { timeoutMs: 5000 }),
      ])
      expect([a.stdout, b.stdout]).toEqual(['a\n', 'b\n'])
    } finally {
      conn.close()
    }
  })

  it('gives up with channel-open-failed naming the host when no slot frees', async () => {
    const conn = await connectHost(tightTarget, options({ maxExecChannels: 2 }))
    const ac = new AbortController()
    try {
      const long = conn
        .exec('sleep 5', { timeoutMs: 10_000, signal: ac.signal })
        .catch(() => undefined)
      await poll(
        async () => (await rig.servers[1]!.descendants()).some((d) => d.args === 'sleep 5'),
        { what: 'the long command holding the only session' },
      )
      const err = await conn
        .exec('echo x', { timeoutMs: 5000 })
        .catch((e: unknown) => e as LabError)
      expect(err).toMatchObject({ code: 'channel-open-failed' })
      expect((err as LabError).message).toContain(tightTarget.label)
      ac.abort()
      await long
    } finally {
      conn.close()
    }
  })
})

describe('SshPool', () => {
  it('keeps a control connection apart from a flooded interactive one', async () => {
    const pool = new SshPool(options())
    try {
      const control = await pool.get('lab', target, 'control')
      const interactive = await pool.get('lab', target, 'interactive')
      expect(control).not.toBe(interactive)
      expect(await pool.get('lab', target, 'control')).toBe(control)
      const other = await pool.get('lab2', tightTarget, 'control')
      expect(other.target).toBe(tightTarget.label)
      const moved = await pool.get('lab2', target, 'control') // inventory edit: new address
      expect(moved.target).toBe(target.label)
      expect(other.state.state).toBe('idle') // the old connection was closed
      // flood the interactive connection: 4 unread streams fill its windows and stream slots
      const ac = new AbortController()
      for (let i = 0; i < 4; i++) interactive.stream('cat /dev/zero', { signal: ac.signal })
      const t0 = performance.now()
      const r = await control.exec('echo ok', { timeoutMs: 2000 })
      expect(r.stdout).toBe('ok\n')
      expect(performance.now() - t0).toBeLessThan(1000)
      ac.abort()
    } finally {
      await pool.closeAll()
    }
  })
})
