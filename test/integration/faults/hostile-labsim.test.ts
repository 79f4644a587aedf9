import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startLab, type Lab } from '../../../labsim'
import { createBackend, type Backend } from '../../../main/service/backend'
import { HOSTILE } from '../../helpers/fault-hostile'
import { poll } from '../../helpers/poll'
import { findShellLeaks } from '../../helpers/fault-shell-check'

// Issue 9, bad input: hostile values in every field a user can fill, driven through the real
// back end (dispatcher) against labsim over real SSH. Every answer is typed (never `internal`),
// and labsim's command log shows no hostile value reaching the shell unquoted.

const HOST = 'sim-a'
const DEVICE = 'pci/0000:08:00.0'
const BDF = '0000:08:00.0'

let lab: Lab
let dataDir: string
let backend: Backend
let n = 0

type Result = { ok: boolean; value?: unknown; error?: { code: string; message: string } }

async function call(channel: string, request: unknown): Promise<Result> {
  return (await backend.dispatcher.dispatch(channel, request, {
    sessionId: `hostile-${n++}`,
    signal: AbortSignal.timeout(20_000),
  })) as Result
}

beforeAll(async () => {
  lab = await startLab({ hosts: 1, speed: 0.02 })
  dataDir = await mkdtemp(join(tmpdir(), 'replab-hostile-'))
  // The console user ends up in the remote lock's owner line: hostile too.
  backend = await createBackend({ dataDir, consoleUser: "$(reboot)'; touch /tmp/pwned; '" })
  await backend.addSimulatedHosts(lab.hosts)
  const connected = await call('hosts:connect', { hostId: HOST })
  expect(connected.ok, JSON.stringify(connected.error)).toBe(true)
}, 60_000)

afterAll(async () => {
  await backend?.close()
  await lab?.stop()
  await rm(dataDir, { recursive: true, force: true })
})

/** Every request shape a user can fill, with one field set to the hostile value `v`. */
function requests(v: string): Array<[string, unknown]> {
  const op = (request: unknown): unknown => ({ hostId: HOST, request })
  return [
    ['snapshot:get', { hostId: v, fresh: true }],
    ['hosts:connect', { hostId: v }],
    ['hosts:set-read-only', { hostId: v, readOnly: true }],
    ['hosts:add', { id: v, name: 'x', host: '127.0.0.1', user: 'root' }],
    ['hosts:add', { id: 'h1', name: 'x', host: v, user: 'root' }],
    ['hosts:add', { id: 'h1', name: 'x', host: '127.0.0.1', user: v }],
    ['hosts:import-ssh-config', { path: v }],
    ['ops:plan', op({ op: 'eswitch-mode', device: v, mode: 'switchdev' })],
    ['ops:plan', op({ op: 'vf-count', device: v, count: 2 })],
    ['ops:run', { ...(op({ op: 'pci-unbind', bdf: v }) as object), confirmed: true }],
    ['ops:run', { ...(op({ op: 'pci-reset', bdf: v }) as object), confirmed: true }],
    [
      'ops:run',
      { ...(op({ op: 'module', module: v, action: 'unload' }) as object), confirmed: true },
    ],
    ['ops:run', { ...(op({ op: 'pci-bind', bdf: BDF, driver: v }) as object), confirmed: true }],
    ['ops:plan', op({ op: 'devlink-reload', device: v, action: 'driver_reinit' })],
    ['ops:plan', op({ op: 'health', device: DEVICE, reporter: v, action: 'dump' })],
    ['ops:plan', op({ op: 'crdump', device: v })],
    ['ops:plan', op({ op: 'mlxconfig', bdf: v, action: 'query' })],
    ['ops:plan', op({ op: 'fault', device: v, fault: 'fw-assert' })],
    ['ops:plan', op({ op: 'fault', device: DEVICE, fault: v })],
    ['drills:start', { hostId: HOST, kind: 'vf-churn', device: v, params: {}, confirmed: true }],
    ['drills:start', { hostId: v, kind: 'vf-churn', device: DEVICE, params: {}, confirmed: true }],
    ['drills:start', { hostId: HOST, kind: v, device: DEVICE, params: {}, confirmed: true }],
    [
      'drills:start',
      { hostId: HOST, kind: 'vf-churn', device: DEVICE, params: { vfs: v }, confirmed: true },
    ],
    ['drills:plan', { hostId: HOST, kind: 'vf-churn', device: v, params: {} }],
    ['drills:plan', { hostId: HOST, kind: 'vf-churn', device: DEVICE, params: { vfs: v } }],
    ['drills:step', { runId: v, index: 0 }],
    ['drills:report', { runId: v }],
    ['drills:export-report', { runId: v, format: 'json' }],
    ['drills:cancel', { runId: v }],
    ['ops:cancel', { opId: v }],
    ['terminals:open', { hostId: HOST, kind: 'dmesg', filter: v }],
    ['terminals:open', { hostId: v, kind: 'dmesg' }],
    ['terminals:input', { streamId: v, data: v }],
    ['hosts:answer-host-key', { promptId: v, accept: true }],
  ]
}

describe('hostile values through the back end', () => {
  it('every call answers a typed error (never internal) and nothing crashes', async () => {
    const untyped: string[] = []
    for (const v of HOSTILE) {
      for (const [channel, request] of requests(v)) {
        const r = await call(channel, request)
        if (r.ok) continue // e.g. cancelling an unknown id is a no-op
        if (!r.error || r.error.code === 'internal')
          untyped.push(`${channel} ${JSON.stringify(v).slice(0, 30)}: ${JSON.stringify(r.error)}`)
      }
    }
    expect(untyped).toEqual([])
    expect((await call('hosts:list', {})).ok).toBe(true)
  }, 120_000)

  it('a host added with hostile name, key path and jump chain fails to connect with a typed error', async () => {
    for (const v of HOSTILE.slice(0, 8)) {
      const id = `evil${n++}`
      const added = await call('hosts:add', {
        id,
        name: v,
        host: '127.0.0.1',
        port: lab.hosts[0]!.port,
        user: 'root',
        identityFile: v,
        proxyJump: v,
        group: v,
      })
      expect(added.ok, JSON.stringify(added.error)).toBe(true)
      const r = await call('hosts:connect', { hostId: id })
      expect(r.ok).toBe(false)
      expect(r.error?.code).not.toBe('internal')
      await call('hosts:remove', { hostId: id })
    }
  }, 60_000)

  it('a dmesg pane filtered on option-like words passes them as one grep pattern', async () => {
    for (const filter of ['-rf', '--help', '-v', BDF]) {
      const r = await call('terminals:open', { hostId: HOST, kind: 'dmesg', filter })
      expect(r.ok, JSON.stringify(r.error)).toBe(true)
      await call('terminals:close', { streamId: (r.value as { streamId: string }).streamId })
    }
    const log = lab.host(HOST).commandLog.map((e) => e.command)
    expect(log.some((c) => c.includes('grep --line-buffered -F -e -rf'))).toBe(true)
  }, 30_000)

  it('a real operation and a real drill run with the hostile console user', async () => {
    const request = { op: 'vf-count', device: DEVICE, count: 1 }
    const run = await call('ops:run', { hostId: HOST, request, confirmed: true })
    expect(run.ok, JSON.stringify(run.error)).toBe(true)
    const back = { ...request, count: 0 }
    expect((await call('ops:run', { hostId: HOST, request: back, confirmed: true })).ok).toBe(true)
    const started = await call('drills:start', {
      hostId: HOST,
      kind: 'pf-rebind',
      device: DEVICE,
      params: { iterations: 1, vfs: 1, timeoutMs: 8_000 },
      confirmed: true,
    })
    expect(started.ok, JSON.stringify(started.error)).toBe(true)
    const { runId } = started.value as { runId: string }
    const status = await poll(
      async () => {
        const report = await call('drills:report', { runId })
        const st = (report.value as { status?: string } | undefined)?.status ?? 'running'
        return st !== 'running' && st
      },
      { timeoutMs: 50_000, what: `drill ${runId} to finish` },
    )
    expect(status).toBe('passed')
    const log = lab.host(HOST).commandLog.map((e) => e.command)
    const lock = log.find((c) => c.includes('flock'))
    // The owner is reduced to [A-Za-z0-9_.@-] before it is quoted (main/engine/shell.ts).
    expect(lock).toMatch(/ '__reboot____touch__tmp_pwned___ from [^']+'$/)
  }, 60_000)

  it('no command labsim received carries a hostile value outside one literal word', () => {
    // The sanitized lock owner (checked above) is one safe word; the rest must pass the checker.
    const log = lab.host(HOST).commandLog.map((e) =>
      e.command
        .replace(/ '[A-Za-z0-9_.@ :-]+ from [^']+'$/, " 'OWNER'")
        // the discovery marker's random nonce can spell `-rf` by chance: it is one literal word
        .replace(/@@replab-[a-z0-9]+/g, '@@replab-NONCE'),
    )
    expect(log.length).toBeGreaterThan(5)
    expect(findShellLeaks(log)).toEqual([])
  })
})
