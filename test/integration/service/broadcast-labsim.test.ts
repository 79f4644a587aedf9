import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { AuditEntry, BroadcastHostResult } from '../../../contract'
import { startLab, type Lab } from '../../../labsim'
import { createBackend, type Backend } from '../../../main/service/backend'
import { poll } from '../../helpers/poll'

// Issue 18, Broadcast, over real SSH: three labsim hosts (one made to hang by a fault) and an
// inventory host whose port refuses connections. Each host's result reaches only the session
// that asked, as soon as that host finishes; a timeout or cancel kills the remote command and
// keeps what it printed; output is cut at 64 KiB with the real byte count; every host's run is
// in the audit log; a read-only host refuses the whole request before anything runs.

let lab: Lab
let backend: Backend
let dataDir: string
const received = new Map<string, BroadcastHostResult[]>()
const sessions = new Map<string, AbortController>()

function ctx(sessionId: string) {
  let s = sessions.get(sessionId)
  if (!s) sessions.set(sessionId, (s = new AbortController()))
  return { sessionId, signal: s.signal }
}

function attach(sessionId: string): void {
  received.set(sessionId, [])
  backend.hub.attach({
    sessionId,
    send: (channel, payload) => {
      if (channel === 'broadcast:host')
        received.get(sessionId)!.push(payload as BroadcastHostResult)
    },
    sendData: () => {},
  })
}

async function call<T>(channel: string, request: unknown, sessionId = 's1'): Promise<T> {
  const r = await backend.dispatcher.dispatch(channel, request, ctx(sessionId))
  if (!r.ok) throw Object.assign(new Error(`${r.error.code}: ${r.error.message}`), r.error)
  return r.value as T
}

/** Results of one broadcast seen by a session, in arrival order. */
const of = (broadcastId: string, sessionId = 's1'): BroadcastHostResult[] =>
  received.get(sessionId)!.filter((r) => r.broadcastId === broadcastId)

/** Waits for the final result of every host of a broadcast; answers them by host. */
async function finals(
  broadcastId: string,
  hosts: number,
  timeoutMs = 30_000,
): Promise<Record<string, BroadcastHostResult>> {
  const done = await poll(
    () => {
      const f = of(broadcastId).filter((r) => r.status !== 'running')
      return f.length === hosts && f
    },
    { timeoutMs, what: `${hosts} final results of ${broadcastId}` },
  )
  return Object.fromEntries(done.map((r) => [r.hostId, r]))
}

async function closedPort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as { port: number }).port
  await new Promise((r) => srv.close(r))
  return port
}

async function audit(): Promise<AuditEntry[]> {
  const text = await readFile(join(dataDir, 'audit.jsonl'), 'utf8').catch(() => '')
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEntry)
}

beforeAll(async () => {
  lab = await startLab({ hosts: 3, speed: 0.05 })
  dataDir = await mkdtemp(join(tmpdir(), 'replab-broadcast-'))
  backend = await createBackend({ dataDir })
  await backend.addSimulatedHosts(lab.hosts)
  attach('s1')
  attach('s2')
  await call('hosts:add', {
    id: 'gone',
    name: 'gone',
    host: '127.0.0.1',
    port: await closedPort(),
    user: 'root',
    identityFile: lab.hosts[0]!.identityFile,
  })
  for (const h of ['sim-a', 'sim-b', 'sim-c']) await call('hosts:connect', { hostId: h })
}, 60_000)

afterAll(async () => {
  await backend?.close()
  await lab?.stop()
  await rm(dataDir, { recursive: true, force: true })
})

describe('broadcast over SSH to labsim', () => {
  it('runs once per host; results arrive per host; a hung host times out, a down one errors', async () => {
    // sim-c hangs on any command line naming "slowpoke"; the others just echo it.
    await lab.host('sim-c').inject({ kind: 'hang', pattern: 'slowpoke' })
    const command = 'uname -n; echo slowpoke | grep slowpoke'
    const { broadcastId, hostIds } = await call<{ broadcastId: string; hostIds: string[] }>(
      'broadcast:start',
      { hostIds: ['sim-a', 'sim-b', 'sim-c', 'gone'], command, timeoutMs: 3_000, confirmed: true },
    )
    expect(hostIds).toEqual(['sim-a', 'sim-b', 'sim-c', 'gone'])
    const r = await finals(broadcastId, 4)
    for (const h of ['sim-a', 'sim-b']) {
      expect(r[h]).toMatchObject({ status: 'ok', code: 0, stdout: `${h}\nslowpoke\n` })
      expect(r[h]!.truncated).toBe(false)
    }
    // sim-c printed its name, then hung: timed out, killed, its output kept.
    expect(r['sim-c']).toMatchObject({ status: 'timed-out', code: null, stdout: 'sim-c\n' })
    expect(r['sim-c']!.durationMs).toBeGreaterThanOrEqual(2_900)
    expect(r['sim-c']!.error?.message).toMatch(/timed out/)
    await poll(
      () =>
        !lab
          .host('sim-c')
          .processes()
          .some((p) => p.command.includes('slowpoke')),
      { timeoutMs: 5_000, what: "sim-c's hung command killed" },
    )
    expect(r.gone).toMatchObject({ status: 'error', code: null })
    expect(r.gone!.error?.code).toBe('ssh-connect')
    expect(r.gone!.error?.message).toMatch(/127\.0\.0\.1/)
    // Every host said `running` first; the quick hosts' results came before the hung one's.
    const seen = of(broadcastId)
    for (const h of hostIds) expect(seen.find((x) => x.hostId === h)!.status).toBe('running')
    const order = seen.filter((x) => x.status !== 'running').map((x) => x.hostId)
    expect(order.indexOf('sim-a')).toBeLessThan(order.indexOf('sim-c'))
    // Only the session that asked hears about it.
    expect(of(broadcastId, 's2')).toEqual([])
    // Each host's run is audited with the exact command, its status and exit code.
    const entries = (await audit()).filter((e) => e.action === `broadcast ${broadcastId}`)
    expect(entries.map((e) => [e.hostId, e.status, e.commands[0]!.code]).sort()).toEqual([
      ['gone', 'error', null],
      ['sim-a', 'ok', 0],
      ['sim-b', 'ok', 0],
      ['sim-c', 'timed-out', null],
    ])
    for (const e of entries) expect(e.commands[0]!.command).toBe(command)
    await lab.host('sim-c').inject({ kind: 'clear' })
  }, 60_000)

  it('a non-zero exit is failed with its code; stderr is kept apart', async () => {
    const { broadcastId } = await call<{ broadcastId: string }>('broadcast:start', {
      hostIds: ['sim-b'],
      command: 'echo oops >&2; exit 7',
      timeoutMs: 10_000,
      confirmed: true,
    })
    const r = await finals(broadcastId, 1)
    expect(r['sim-b']).toMatchObject({ status: 'failed', code: 7, stdout: '', stderr: 'oops\n' })
  }, 30_000)

  it('output past 64 KiB is cut and counted', async () => {
    const { broadcastId } = await call<{ broadcastId: string }>('broadcast:start', {
      hostIds: ['sim-a'],
      command: 'seq 1 30000',
      timeoutMs: 30_000,
      confirmed: true,
    })
    const r = (await finals(broadcastId, 1))['sim-a']!
    let total = 0
    for (let i = 1; i <= 30000; i++) total += String(i).length + 1
    expect(r).toMatchObject({ status: 'ok', code: 0, truncated: true, stdoutBytes: total })
    expect(Buffer.byteLength(r.stdout)).toBe(64 * 1024)
    expect(r.stdout.startsWith('1\n2\n3\n')).toBe(true)
  }, 60_000)

  it('cancel kills one host or all; another session cannot; a closed session cancels its own', async () => {
    const start = (sessionId = 's1') =>
      call<{ broadcastId: string }>(
        'broadcast:start',
        { hostIds: ['sim-a', 'sim-b'], command: 'sleep 30', timeoutMs: 60_000, confirmed: true },
        sessionId,
      )
    const sleeping = (h: string) =>
      lab
        .host(h)
        .processes()
        .some((p) => p.command === 'sleep 30')
    const { broadcastId } = await start()
    await poll(() => sleeping('sim-a') && sleeping('sim-b'), { what: 'both sleeping' })
    await expect(call('broadcast:cancel', { broadcastId }, 's2')).rejects.toMatchObject({
      code: 'not-found',
    })
    await call('broadcast:cancel', { broadcastId, hostId: 'sim-a' })
    await poll(() => of(broadcastId).some((r) => r.hostId === 'sim-a' && r.status !== 'running'), {
      what: 'sim-a cancelled',
    })
    expect(sleeping('sim-b')).toBe(true)
    await call('broadcast:cancel', { broadcastId })
    const r = await finals(broadcastId, 2)
    expect([r['sim-a']!.status, r['sim-b']!.status]).toEqual(['cancelled', 'cancelled'])
    await poll(() => !sleeping('sim-a') && !sleeping('sim-b'), { what: 'both sleeps killed' })

    attach('s3')
    const other = await start('s3')
    await poll(() => sleeping('sim-a') && sleeping('sim-b'), { what: 'both sleeping again' })
    sessions.get('s3')!.abort()
    await poll(() => !sleeping('sim-a') && !sleeping('sim-b'), { what: 'killed with the session' })
    await poll(() => of(other.broadcastId, 's3').filter((x) => x.status === 'cancelled').length, {
      what: 'cancelled results',
    })
  }, 60_000)

  it('a read-only host refuses the whole request; nothing runs anywhere', async () => {
    await call('hosts:set-read-only', { hostId: 'sim-b', readOnly: true })
    const before = lab.host('sim-a').commandLog.length
    await expect(
      call('broadcast:start', {
        hostIds: ['sim-a', 'sim-b'],
        command: 'touch /tmp/should-not-exist',
        confirmed: true,
      }),
    ).rejects.toMatchObject({ code: 'read-only', message: expect.stringContaining('sim-b') })
    expect(
      lab
        .host('sim-a')
        .commandLog.slice(before)
        .some((c) => c.command.includes('should-not-exist')),
    ).toBe(false)
    await call('hosts:set-read-only', { hostId: 'sim-b', readOnly: false })
  })

  it('refuses malformed requests before anything runs', async () => {
    const good = { hostIds: ['sim-a'], command: 'true', timeoutMs: 5_000, confirmed: true }
    for (const bad of [
      { ...good, confirmed: undefined },
      { ...good, confirmed: false },
      { ...good, command: '   ' },
      { ...good, command: 'echo \0x' },
      { ...good, command: 'x'.repeat(5000) },
      { ...good, hostIds: [] },
      { ...good, hostIds: ['sim-a', 'sim-a'] },
      { ...good, hostIds: ['$(reboot)'] },
      { ...good, timeoutMs: 10 },
    ]) {
      await expect(call('broadcast:start', bad), JSON.stringify(bad)).rejects.toMatchObject({
        code: 'invalid-request',
      })
    }
    await expect(call('broadcast:start', { ...good, hostIds: ['nope'] })).rejects.toMatchObject({
      code: 'not-found',
    })
    await expect(call('broadcast:cancel', { broadcastId: 'b-nope' })).rejects.toMatchObject({
      code: 'not-found',
    })
  })
})
