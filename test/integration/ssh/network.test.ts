import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ConnectionState } from '../../../contract/hosts'
import type { LabError } from '../../../contract/errors'
import { connectHost, resolveTarget } from '../../../main/ssh'
import type { ConnectHostOptions, SshConnection } from '../../../main/ssh'
import { poll } from '../../helpers/poll'
import type { Sshd } from '../../helpers/sshd'
import { useSshd } from '../../helpers/use-sshd'

// ProxyJump chains, keepalive and reconnect against real sshd processes.
const rig = useSshd({ prefix: 'replab-ssh-net-', servers: [{}, {}, {}] })
let target: Sshd
let jumpA: Sshd
let jumpB: Sshd

beforeAll(() => {
  ;[target, jumpA, jumpB] = rig.servers as [Sshd, Sshd, Sshd]
})

function options(file: string, extra: Partial<ConnectHostOptions> = {}): ConnectHostOptions {
  return {
    knownHosts: { file: join(rig.dir, file), userFile: null },
    hostKeyPolicy: 'accept-new',
    auth: { agent: null },
    ...extra,
  }
}

const spec = (s: Sshd): string => rig.target(s)

function waitState(
  conn: SshConnection,
  pred: (s: ConnectionState) => boolean,
  ms: number,
): Promise<ConnectionState> {
  return new Promise((resolve, reject) => {
    if (pred(conn.state)) return resolve(conn.state)
    const timer = setTimeout(
      () => reject(new Error(`state not reached in ${ms} ms: ${JSON.stringify(conn.state)}`)),
      ms,
    )
    const off = conn.onState((s) => {
      if (pred(s)) {
        clearTimeout(timer)
        off()
        resolve(s)
      }
    })
  })
}

describe('ProxyJump through real sshd jump hosts', () => {
  it('runs a command through a chain of two jump hosts, recording every hop key', async () => {
    const t = await resolveTarget(spec(target), {
      configFile: null,
      homeDir: rig.dir,
      identityFile: rig.key.path,
      jump: `${spec(jumpA)},${spec(jumpB)}`,
    })
    expect(t.jumps.map((j) => j.port)).toEqual([jumpA.port, jumpB.port])
    const conn = await connectHost(
      { ...t, jumps: t.jumps.map((j) => ({ ...j, identityFiles: [rig.key.path] })) },
      options('kh-chain'),
    )
    try {
      const r = await conn.exec('echo $SSH_CONNECTION', { timeoutMs: 5000 })
      // the target sees a connection from the last jump host (over loopback)
      expect(r.stdout).toContain(` ${target.port}`)
    } finally {
      conn.close()
    }
    const kh = await readFile(join(rig.dir, 'kh-chain'), 'utf8')
    expect(kh.trim().split('\n')).toHaveLength(3)
  })

  it('verifies each hop: an unknown jump host key is refused under strict, naming that hop', async () => {
    const t = await resolveTarget(spec(target), {
      configFile: null,
      homeDir: rig.dir,
      identityFile: rig.key.path,
      jump: spec(jumpA),
    })
    const err = await connectHost(
      { ...t, jumps: t.jumps.map((j) => ({ ...j, identityFiles: [rig.key.path] })) },
      options('kh-strict', { hostKeyPolicy: 'strict' }),
    ).catch((e: unknown) => e as LabError)
    expect((err as LabError).code).toBe('ssh-hostkey-unknown')
    expect((err as LabError).message).toContain(`${spec(jumpA)}:`)
    expect((err as LabError).message).toContain(jumpA.hostFingerprint)
  })
})

describe('reconnect through a jump host', () => {
  it('rebuilds the whole chain when the jump host restarts', async () => {
    const t = await resolveTarget(spec(target), {
      configFile: null,
      homeDir: rig.dir,
      identityFile: rig.key.path,
      jump: spec(jumpB),
    })
    const conn = await connectHost(
      { ...t, jumps: t.jumps.map((j) => ({ ...j, identityFiles: [rig.key.path] })) },
      options('kh-chain-re', { reconnect: { baseMs: 50, maxMs: 500 } }),
    )
    try {
      await conn.exec('true', { timeoutMs: 5000 })
      const dropped = waitState(conn, (x) => x.state === 'reconnecting', 5000)
      await jumpB.restart()
      await dropped
      await waitState(conn, (x) => x.state === 'ready', 10_000)
      expect((await conn.exec('echo via', { timeoutMs: 5000 })).stdout).toBe('via\n')
    } finally {
      conn.close()
    }
  })
})

describe('keepalive and reconnect', () => {
  it('keepalive notices a frozen server within interval × (countMax + 1), then reconnects after it thaws', async () => {
    const t = await resolveTarget(spec(target), {
      configFile: null,
      homeDir: rig.dir,
      identityFile: rig.key.path,
    })
    const conn = await connectHost(
      t,
      options('kh-ka', {
        keepaliveIntervalMs: 200,
        keepaliveCountMax: 2,
        readyTimeoutMs: 3000,
        reconnect: { baseMs: 50 },
      }),
    )
    try {
      // the post-auth session process exists only once a channel has run
      await conn.exec('true', { timeoutMs: 5000 })
      // listen first: under load the freeze itself (scanning /proc) can outlast the interval
      const noticed = waitState(conn, (x) => x.state === 'reconnecting', 5000).then((s) => ({
        s,
        at: Date.now(),
      }))
      await target.freeze()
      const frozenAt = Date.now()
      const { s, at } = await noticed
      // dead at the latest from frozenAt: interval × (countMax + 1) = 600 ms, plus slack for a
      // loaded 2-core machine (OpenSSH's default of 15 s × 3 would take 45 s)
      expect(at - frozenAt).toBeLessThan(200 * 3 + 900)
      expect(s.state === 'reconnecting' && s.reason).toMatch(/keepalive/i)
      await target.thaw()
      await waitState(conn, (x) => x.state === 'ready', 8000)
      expect((await conn.exec('echo back', { timeoutMs: 5000 })).stdout).toBe('back\n')
    } finally {
      await target.thaw()
      conn.close()
    }
  })
})

describe('reconnect after a restart', () => {
  it('reconnects after the server restarts; a command issued meanwhile waits and runs', async () => {
    const t = await resolveTarget(spec(target), {
      configFile: null,
      homeDir: rig.dir,
      identityFile: rig.key.path,
    })
    const conn = await connectHost(
      t,
      options('kh-restart', { reconnect: { baseMs: 50, maxMs: 500 } }),
    )
    const states: string[] = []
    conn.onState((s) => states.push(s.state))
    try {
      await conn.exec('true', { timeoutMs: 5000 })
      const dropped = waitState(conn, (x) => x.state === 'reconnecting', 5000)
      const inFlight = conn
        .exec('sleep 30', { timeoutMs: 60_000 })
        .catch((e: unknown) => e as LabError)
      const streaming = conn.stream('sleep 30', { signal: new AbortController().signal })
      const streamErr = new Promise<unknown>((resolve) => streaming.on('error', resolve).resume())
      await poll(async () => (await target.descendants()).some((d) => d.args === 'sleep 30'), {
        what: 'the in-flight sleep 30 running on the target',
      })
      await target.restart()
      await dropped
      // commands cut by the drop fail at once with ssh-connect instead of hanging
      expect(await inFlight).toMatchObject({ code: 'ssh-connect' })
      expect(await streamErr).toMatchObject({ code: 'ssh-connect' })
      const r = await conn.exec('echo again', { timeoutMs: 10_000 })
      expect(r.stdout).toBe('again\n')
      expect(states).toContain('ready')
      expect(states[0]).toBe('reconnecting')
    } finally {
      conn.close()
    }
  })

  it('does not retry a host-key failure: the state is failed with the code', async () => {
    const t = await resolveTarget(spec(target), {
      configFile: null,
      homeDir: rig.dir,
      identityFile: rig.key.path,
    })
    const err = await connectHost(t, options('kh-none', { hostKeyPolicy: 'strict' })).catch(
      (e: unknown) => e,
    )
    expect((err as LabError).code).toBe('ssh-hostkey-unknown')
  })
})
