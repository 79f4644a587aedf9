import type { LabApi } from '../../../contract/api'
import type { DrillRunSummary } from '../../../contract/drills'
import type { IpcResult } from '../../../contract/errors'
import type { HostConfig, HostKeyPrompt, HostView } from '../../../contract/hosts'
import type { OperationPlan, OperationRequest, OperationResult } from '../../../contract/operations'

import { emit, listeners, stats, type Listener } from './fake-bus'
import { fakeDrills, planOf } from './fake-ops'
import { cancelled, drive, enc, openStream, runs, streams } from './fake-streams'
import { freshState, snapshotOf, type FakeHostState } from './fake-model'

/**
 * A test-only `window.lab`: an in-page LabApi over `fake-model.ts`, so the renderer can be
 * driven in real Chromium before (and independently of) the WebSocket back end. Injected with
 * Playwright's `addInitScript`; never shipped. `window.__fakeLab` exposes hooks for tests.
 */
const ok = <T>(value: T): Promise<IpcResult<T>> => Promise.resolve({ ok: true, value })
const fail = (
  code: 'not-found' | 'read-only' | 'ssh-hostkey-changed',
  message: string,
  host?: string,
) => Promise.resolve({ ok: false as const, error: { code, message, ...(host ? { host } : {}) } })
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
const states = new Map<string, FakeHostState>(
  hosts.map((h) => [h.config.id, freshState(h.config.id === 'big-01' ? 1990 : 0)]),
)
states.get('big-01')!.mode = ['switchdev', 'legacy']
states.get('big-01')!.numvfs = [8, 0]
const pendingPrompts = new Map<string, string>()

function state(hostId: string): FakeHostState {
  const s = states.get(hostId)
  if (!s) throw new Error(`no host ${hostId}`)
  return s
}
function setConn(id: string, connection: HostView['connection']): HostView {
  const h = hosts.find((x) => x.config.id === id)!
  h.connection = connection
  emit('hostsChanged', structuredClone(hosts))
  return structuredClone(h)
}
function pushSnapshot(hostId: string, changedKeys: string[] = []) {
  const snapshot = snapshotOf(hostId, state(hostId))
  emit('snapshotChanged', {
    hostId,
    snapshot,
    diff: {
      from: '',
      to: snapshot.takenAt,
      changes: changedKeys.map((key) => ({ kind: 'changed', entity: 'port', key })),
    },
  })
}

async function connect(hostId: string): Promise<IpcResult<HostView>> {
  const h = hosts.find((x) => x.config.id === hostId)
  if (!h) return fail('not-found', `no host ${hostId}`)
  setConn(hostId, { state: 'connecting', attempt: 1 })
  await sleep(150)
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
      keyType: 'ssh-ed25519',
      fingerprint: changed
        ? 'SHA256:q3m1yV3d2V6fZ0P8c1w3nJ2wL5rTt9kq8H4p0vXyZ7E'
        : 'SHA256:Jm8d0mXl2B4Gv1d9v5u8mY0d7kTqkq2rj8V9b0f3nSw',
      status: changed ? 'changed' : 'unknown',
      ...(changed
        ? {
            knownFingerprint: 'SHA256:5sF0W8xkq1LQp0mN2bY4cR7tU9vZ3aD6eH8jK1lM2oP',
            knownLocation: '~/.ssh/known_hosts:12',
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

function applyOp(hostId: string, req: OperationRequest): { output?: string; changed?: string[] } {
  const s = state(hostId)
  const pfOf = (d: string) => (d.endsWith('.1') ? 1 : 0)
  switch (req.op) {
    case 'eswitch-mode':
      s.mode[pfOf(req.device)] = req.mode === 'switchdev' ? 'switchdev' : 'legacy'
      return { changed: [] }
    case 'vf-count':
      s.numvfs[pfOf(req.device)] = req.count
      return { changed: [] }
    case 'pci-reset':
      return { changed: [`pci/0000:08:00.0/${1 + (Number(req.bdf.slice(-1)) - 2)}`] }
    case 'pci-unbind':
      s.unbound.add(req.bdf)
      return { changed: [] }
    case 'pci-bind':
      s.unbound.delete(req.bdf)
      return { changed: [] }
    case 'module':
      s.mlx5ib = req.action === 'load'
      return { changed: [] }
    case 'fw-tracer':
      s.tracer = req.enable
      return { changed: [] }
    case 'health':
      if (req.action === 'recover') s.fatal = false
      return {
        output: `{"${req.reporter}":{"state":"healthy","action":"${req.action}","syndrome":"0x0"}}`,
      }
    case 'crdump':
      return {
        output: 'crdump: 1048576 bytes\n00000000: 0000 0001 dead beef 0000 0000 0000 0000\n',
      }
    default:
      return { changed: [] }
  }
}

async function run(hostId: string, request: OperationRequest): Promise<IpcResult<OperationResult>> {
  if (hosts.find((h) => h.config.id === hostId)?.config.readOnly)
    return fail('read-only', `${hostId} is read-only`)
  const opId = `op-${Date.now()}`
  const plan = planOf(hostId, request, snapshotOf(hostId, state(hostId)))
  for (const [i, phase] of (['precondition', 'command', 'waiting'] as const).entries()) {
    emit('opProgress', {
      opId,
      hostId,
      phase,
      message: phase === 'command' ? plan.commands[0] : phase,
      elapsedMs: i * 120,
    })
    await sleep(120)
  }
  const { output, changed = [] } = applyOp(hostId, request)
  pushSnapshot(hostId, changed)
  emit('opProgress', { opId, hostId, phase: 'done', message: 'observed', elapsedMs: 400 })
  return ok({
    opId,
    status: 'ok',
    commands: plan.commands.map((command) => ({
      command,
      code: 0,
      stdout: '',
      stderr: '',
      durationMs: 3.2,
    })),
    timings: { issuedAt: new Date().toISOString(), returnedMs: 12, observedMs: 380 },
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
      states.set(c.id, freshState())
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
      await sleep(30)
      return states.has(hostId)
        ? ok(snapshotOf(hostId, state(hostId)))
        : fail('not-found', `no host ${hostId}`)
    },
  },
  ops: {
    plan: ({ hostId, request }): Promise<IpcResult<OperationPlan>> =>
      ok(planOf(hostId, request as OperationRequest, snapshotOf(hostId, state(hostId)))),
    run: ({ hostId, request }) => run(hostId, request as OperationRequest),
    cancel: () => ok({ ok: true as const }),
  },
  drills: {
    list: () => ok(fakeDrills),
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
        params: { iterations, timeoutMs: 30000, stopOnFailure: false, vfs: 2 },
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
  setFatal: (hostId: string, on: boolean) => {
    state(hostId).fatal = on
    pushSnapshot(hostId)
  },
  setMissingIbRep: (hostId: string, on: boolean) => {
    state(hostId).missingIbRep = on
    pushSnapshot(hostId)
  },
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
