// First: zod must not compile validators with `new Function` under the page's CSP.
import '../../../renderer/api/zod-jitless'
import type { LabApi } from '../../../contract/api'
import { DrillStartRequest, type DrillRunSummary } from '../../../contract/drills'
import type { IpcResult } from '../../../contract/errors'
import type { HostConfig, HostKeyPrompt, HostView } from '../../../contract/hosts'
import type { OperationPlan, OperationRequest, OperationResult } from '../../../contract/operations'
import { planDrill } from '../../../main/engine/drill-plan'
import { plan } from '../../../main/engine/plan'
import { diffSnapshots } from '../../../main/host/diff'
import { FakeHost } from '../../helpers/fake-mlx5-host'

import { emit, listeners, stats, type Listener } from './fake-bus'
import { fakeDrills } from './fake-ops'
import { cancelled, drive, enc, openStream, runs, streams } from './fake-streams'

/**
 * A test-only `window.lab`: an in-page LabApi over the shared mlx5 host model
 * (test/helpers/fake-mlx5-host.ts), so the renderer can be driven in real Chromium before (and
 * independently of) the WebSocket back end. Operations are planned by the engine's own pure
 * `plan()` and its commands run on the model; snapshot diffs come from main/host/diff.ts.
 * Injected with Playwright's `addInitScript`; never shipped. `window.__fakeLab` exposes hooks.
 */
const ok = <T>(value: T): Promise<IpcResult<T>> => Promise.resolve({ ok: true, value })
const fail = (
  code: 'not-found' | 'read-only' | 'ssh-hostkey-changed',
  message: string,
  host?: string,
) => Promise.resolve({ ok: false as const, error: { code, message, ...(host ? { host } : {}) } })
/** The fake's latencies (behaviour: connecting, a round trip, an operation's phases). */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const hostConfig = (id: string, extra: Partial<HostConfig> = {}): HostConfig => ({
  id,
  name: id,
  host: '127.0.0.1',
  port: 2200 + Number(id.replace(/\D/g, '') || 0),
  user: 'root',
  readOnly: false,
  simulated: true,
  group: 'rack-a',
  ...extra,
})
const hosts: HostView[] = [
  { config: hostConfig('lab-01'), connection: { state: 'idle' } },
  { config: hostConfig('lab-02', { readOnly: true }), connection: { state: 'idle' } },
  { config: hostConfig('big-01', { group: 'scale' }), connection: { state: 'idle' } },
  { config: hostConfig('new-03', { group: 'rack-b' }), connection: { state: 'idle' } },
  { config: hostConfig('moved-04', { group: 'rack-b' }), connection: { state: 'idle' } },
]
/** A dual-port ConnectX-6 Dx per host; `big-01` has PF0 in switchdev with 8 VFs and 1,991 SFs. */
function newModel(hostId: string): FakeHost {
  const big = hostId === 'big-01'
  const host = new FakeHost({ ports: 2, name: hostId, sfs: big ? 1991 : 0 })
  if (big) {
    host.run('echo 8 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
    host.run('devlink dev eswitch set pci/0000:08:00.0 mode switchdev')
  }
  let last = host.snapshot()
  host.subscribe((snapshot) => {
    emit('snapshotChanged', { hostId, snapshot, diff: diffSnapshots(last, snapshot) })
    last = snapshot
  })
  return host
}
const models = new Map<string, FakeHost>(hosts.map((h) => [h.config.id, newModel(h.config.id)]))
const pendingPrompts = new Map<string, string>()

function model(hostId: string): FakeHost {
  const m = models.get(hostId)
  if (!m) throw new Error(`no host ${hostId}`)
  return m
}
function setConn(id: string, connection: HostView['connection']): HostView {
  const h = hosts.find((x) => x.config.id === id)!
  h.connection = connection
  emit('hostsChanged', structuredClone(hosts))
  return structuredClone(h)
}
async function connect(hostId: string): Promise<IpcResult<HostView>> {
  const h = hosts.find((x) => x.config.id === hostId)
  if (!h) return fail('not-found', `no host ${hostId}`)
  setConn(hostId, { state: 'connecting', attempt: 1 })
  await sleep(150) // the fake's connect latency
  if (hostId === 'new-03' || hostId === 'moved-04') {
    const promptId = `p-${hostId}-${Date.now()}`
    pendingPrompts.set(promptId, hostId)
    const changed = hostId === 'moved-04'
    const prompt: HostKeyPrompt = {
      promptId,
      hostId,
      host: '127.0.0.1',
      port: h.config.port,
      hop: '127.0.0.1',
      // moved-04 now offers an ECDSA key where ed25519 is on record: a changed key (issue 20).
      keyType: changed ? 'ecdsa-sha2-nistp256' : 'ssh-ed25519',
      fingerprint: changed
        ? 'SHA256:q3m1yV3d2V6fZ0P8c1w3nJ2wL5rTt9kq8H4p0vXyZ7E'
        : 'SHA256:Jm8d0mXl2B4Gv1d9v5u8mY0d7kTqkq2rj8V9b0f3nSw',
      status: changed ? 'changed' : 'unknown',
      ...(changed
        ? {
            knownFingerprint: 'SHA256:5sF0W8xkq1LQp0mN2bY4cR7tU9vZ3aD6eH8jK1lM2oP',
            knownLocation: '~/.ssh/known_hosts:12',
            knownKeyType: 'ssh-ed25519',
          }
        : {}),
    }
    emit('hostKeyPrompt', prompt)
    if (changed) {
      setConn(hostId, {
        state: 'failed',
        code: 'ssh-hostkey-changed',
        reason: 'host key changed; refused',
      })
      return fail(
        'ssh-hostkey-changed',
        'host key for [127.0.0.1]:2204 changed; refusing to connect',
        `root@127.0.0.1:${h.config.port}`,
      )
    }
    return ok(structuredClone(h))
  }
  return ok(setConn(hostId, { state: 'ready', since: new Date().toISOString() }))
}

function planFor(hostId: string, request: OperationRequest): OperationPlan {
  const port = hosts.find((h) => h.config.id === hostId)?.config.port ?? 22
  return plan(request, model(hostId).snapshot(), { hostId, target: `root@127.0.0.1:${port}` })
}

/** Runs the engine's plan of `request` on the host's model, with the back end's progress phases. */
async function run(hostId: string, request: OperationRequest): Promise<IpcResult<OperationResult>> {
  if (hosts.find((h) => h.config.id === hostId)?.config.readOnly)
    return fail('read-only', `${hostId} is read-only`)
  const opId = `op-${Date.now()}`
  const p = planFor(hostId, request)
  const before = model(hostId).snapshot()
  for (const [i, phase] of (['precondition', 'command', 'waiting'] as const).entries()) {
    emit('opProgress', {
      opId,
      hostId,
      phase,
      message: phase === 'command' ? (p.commands[0] ?? '') : phase,
      elapsedMs: i * 120,
    })
    await sleep(120) // the fake operation's duration per phase
  }
  const commands = p.commands.map((command) => ({
    command,
    ...model(hostId).run(command),
    durationMs: 3.2,
  }))
  const failed = commands.some((c) => c.code !== 0)
  const output = commands.map((c) => c.stdout).join('')
  emit('opProgress', { opId, hostId, phase: 'done', message: 'observed', elapsedMs: 400 })
  return ok({
    opId,
    status: failed ? 'failed' : 'ok',
    commands,
    timings: { issuedAt: new Date().toISOString(), returnedMs: 12, observedMs: 380 },
    diff: diffSnapshots(before, model(hostId).snapshot()),
    ...(output ? { output } : {}),
  })
}

// Typed without the domains the fake serves below in a line or two.
const base: Omit<LabApi, 'audit' | 'logs' | 'broadcast'> = {
  hosts: {
    list: () => ok(structuredClone(hosts)),
    add: (c) => {
      const v: HostView = {
        config: { port: 22, readOnly: false, simulated: false, ...c },
        connection: { state: 'idle' },
      }
      hosts.push(v)
      models.set(c.id, newModel(c.id))
      emit('hostsChanged', structuredClone(hosts))
      return ok(v)
    },
    remove: ({ hostId }) => {
      hosts.splice(
        hosts.findIndex((h) => h.config.id === hostId),
        1,
      )
      emit('hostsChanged', structuredClone(hosts))
      return ok({ ok: true as const })
    },
    setReadOnly: ({ hostId, readOnly }) => {
      const h = hosts.find((x) => x.config.id === hostId)!
      h.config.readOnly = readOnly
      emit('hostsChanged', structuredClone(hosts))
      return ok(structuredClone(h))
    },
    connect: ({ hostId }) => connect(hostId),
    disconnect: ({ hostId }) => ok(setConn(hostId, { state: 'idle' })),
    importSshConfig: () =>
      ok([
        {
          ...hostConfig('imported-07'),
          host: 'lab7.example.net',
          port: 22,
          proxyJump: 'jump@bastion:22',
          simulated: false,
        },
      ]),
    update: ({ hostId, config }) => {
      const h = hosts.find((x) => x.config.id === hostId)
      if (!h) return fail('not-found', `no host ${hostId}`)
      h.config = { ...h.config, ...config, id: hostId }
      emit('hostsChanged', structuredClone(hosts))
      return ok(structuredClone(h))
    },
    duplicate: ({ hostId, newId, name }) => {
      const h = hosts.find((x) => x.config.id === hostId)
      if (!h) return fail('not-found', `no host ${hostId}`)
      const id = newId ?? `${hostId}-copy`
      const v: HostView = {
        config: { ...h.config, id, name: name ?? `${h.config.name} (copy)` },
        connection: { state: 'idle' },
      }
      hosts.push(v)
      models.set(id, newModel(id))
      emit('hostsChanged', structuredClone(hosts))
      return ok(structuredClone(v))
    },
    importSshConfigText: () => ok([]),
    answerHostKey: ({ promptId, accept }) => {
      const hostId = pendingPrompts.get(promptId)
      pendingPrompts.delete(promptId)
      // A changed key was already refused: answering it changes nothing.
      if (hostId && hostId !== 'moved-04')
        setConn(
          hostId,
          accept
            ? { state: 'ready', since: new Date().toISOString() }
            : { state: 'failed', code: 'ssh-hostkey-unknown', reason: 'host key rejected by user' },
        )
      return ok({ ok: true as const })
    },
  },
  snapshot: {
    get: async ({ hostId }) => {
      await sleep(30) // a fake round trip
      return models.has(hostId)
        ? ok(model(hostId).snapshot())
        : fail('not-found', `no host ${hostId}`)
    },
  },
  ops: {
    plan: ({ hostId, request }): Promise<IpcResult<OperationPlan>> =>
      ok(planFor(hostId, request as OperationRequest)),
    run: ({ hostId, request }) => run(hostId, request as OperationRequest),
    cancel: () => ok({ ok: true as const }),
  },
  drills: {
    list: () => ok(fakeDrills),
    // The engine's own pure planDrill() on the host's model, as the back end answers it.
    plan: async (req) => {
      const r = DrillStartRequest.parse(req)
      const port = hosts.find((h) => h.config.id === r.hostId)?.config.port ?? 22
      const target = `root@127.0.0.1:${port}`
      const snapshot = model(r.hostId).snapshot()
      return ok(
        await planDrill({ hostId: r.hostId, target, request: r, snapshot, faultSupported: false }),
      )
    },
    step: ({ runId, index }) => {
      const r = runs.get(runId)
      const step = r?.steps[index]
      if (!r || !step) return fail('not-found', `run ${runId} has no step ${index + 1}`)
      const findings = r.findings.filter((f) => f.step === step.name)
      return ok({ index, step, records: [], findings, diff: [], restore: false })
    },
    start: (req) => {
      const runId = `run-${Date.now().toString(36)}`
      const info = fakeDrills.find((d) => d.kind === req.kind)!
      const iterations = req.params.iterations ?? 1
      runs.set(runId, {
        hostId: req.hostId,
        runId,
        drill: req.kind,
        target: `root@127.0.0.1:2201`,
        device: req.device,
        status: 'running',
        findings: [],
        steps: [],
        startedAt: new Date().toISOString(),
        params: { iterations, timeoutMs: 30000, stopOnFailure: false, vfs: 2, settleMs: 3000 },
      })
      void drive(runId, req.hostId, info, iterations)
      return ok({ runId })
    },
    cancel: ({ runId }) => {
      cancelled.add(runId)
      return ok({ ok: true as const })
    },
    history: () =>
      ok(
        [...runs.values()].map((r): DrillRunSummary => ({
          runId: r.runId!,
          hostId: r.hostId,
          drill: r.drill,
          device: r.device,
          status: r.status,
          startedAt: r.startedAt!,
          steps: r.steps.length,
          findings: r.findings.length,
          ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}),
        })),
      ),
    report: ({ runId }) => {
      const r = runs.get(runId)
      if (!r) return fail('not-found', `no run ${runId}`)
      const { hostId: _h, ...rep } = r
      return ok(structuredClone(rep))
    },
    exportReport: ({ runId, format }) =>
      ok({
        fileName: `${runId}.${format === 'junit' ? 'xml' : format === 'repro' ? 'sh' : format}`,
        mime: 'text/plain',
        content: JSON.stringify(runs.get(runId)),
      }),
  },
  terminals: {
    open: ({ hostId, kind }) => ok({ streamId: openStream(hostId, kind ?? 'trace') }),
    input: ({ streamId, data }) => {
      stats.inputs.push(data)
      emit('terminalData', { streamId, seq: 0, data: enc.encode(data === '\r' ? '\r\n' : data) })
      return ok({ ok: true as const })
    },
    interrupt: () => {
      stats.interrupts++
      return ok({ ok: true as const })
    },
    resize: () => ok({ ok: true as const }),
    ack: ({ bytes, lines }) => {
      stats.acked += bytes
      stats.ackLines += lines ?? 0
      return ok({ ok: true as const })
    },
    close: ({ streamId }) => {
      const s = streams.get(streamId)
      if (s?.timer) clearInterval(s.timer)
      streams.delete(streamId)
      return ok({ ok: true as const })
    },
  },
  events: Object.fromEntries(
    [
      'hostsChanged',
      'hostKeyPrompt',
      'snapshotChanged',
      'opProgress',
      'drillProgress',
      'terminalData',
      'terminalStatus',
      'broadcastHost',
    ].map((name) => [
      name,
      (l: Listener) => {
        const set = listeners.get(name) ?? new Set()
        set.add(l)
        listeners.set(name, set)
        return () => set.delete(l)
      },
    ]),
  ) as unknown as LabApi['events'],
}

/** Hooks for tests: counters and state switches. */
const hooks = {
  stats,
  setFatal: (hostId: string, on: boolean) => model(hostId).setFatal(on),
  setMissingIbRep: (hostId: string, on: boolean) => model(hostId).setMissingIbRep(on),
  flood: (bytes: number) => {
    const s = [...streams.entries()].find(([, v]) => v.kind === 'trace')
    if (!s) return false
    const line = enc.encode('mlx5_fw: flood '.padEnd(99, 'x') + '\n')
    for (let sent = 0; sent < bytes; sent += line.length)
      emit('terminalData', { streamId: s[0], seq: 0, data: line })
    stats.sent += bytes
    return true
  },
}
const api = {
  ...base,
  audit: { list: () => ok([]) },
  // The fake keeps no session logs and runs no broadcast: the real back end's suites cover both.
  logs: {
    list: () => ok([]),
    read: ({ name }: { name: string }) => fail('not-found', `no session log ${name}`),
  },
  broadcast: {
    start: () => fail('read-only', 'the fake lab runs no broadcast'),
    cancel: () => ok({ ok: true as const }),
  },
} as unknown as LabApi
Object.assign(window, { lab: api, __fakeLab: hooks })
