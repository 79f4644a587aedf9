import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { OperationRequest } from '../../contract'
import type { SshConnection } from '../../main/ssh/index'
import { engineRig, type EngineRig } from './engine-rig'
import { spawnFakeHosts } from './fakehost/process'
import { spawnLabChild } from './lab-process'
import { measured, skipped, type Row } from './report'
import { errText, nowMs, pause, summarize } from './stats'
import { replabConnect, type SshTarget } from './targets'

/**
 * Section 10, operations (issue 19 item 1): for each operation kind, the time from asking the
 * engine (`Engine.runOperation`, as the console's click does through main/service) to the
 * outcome observed, beside the floor "the same commands plus one verifying query over the open
 * connection" (the commands of the engine's own plan, then e.g. `devlink dev eswitch show`).
 * Both sides toggle the same state in both directions, interleaved (replab A→B, floor B→A,
 * floor A→B, replab B→A, …). Targets: labsim (a child process, kernel delays ×0.05) and a fake
 * host (fakehost/: real OpenSSH sshd, real sh, stub tools over a fake sysfs tree). Goal ≤1.3x.
 */

const SECTION = '10 ops'
const GOAL = { on: 'ratio', op: '<=', target: 1.3 } as const

/** One operation kind on one target: its two states and the verifying query. */
interface Kind {
  readonly name: string
  /** The request that brings state `i` (0 or 1). */
  readonly to: (i: 0 | 1) => OperationRequest
  /** What an engineer would type to see the outcome. */
  readonly query: string
}

function labsimKinds(): Kind[] {
  const pf = 'pci/0000:08:00.0'
  const sys = '/sys/bus/pci/devices/0000:08:00.0'
  const tracer = '/sys/kernel/debug/tracing/events/mlx5/mlx5_fw/enable'
  return [
    {
      name: 'eswitch-mode',
      to: (i) => ({ op: 'eswitch-mode', device: pf, mode: i ? 'switchdev' : 'legacy' }),
      query: `devlink dev eswitch show ${pf}`,
    },
    {
      name: 'vf-count',
      to: (i) => ({ op: 'vf-count', device: pf, count: i ? 4 : 2 }),
      query: `cat ${sys}/sriov_numvfs`,
    },
    {
      name: 'pci-unbind/bind (VF)',
      to: (i) =>
        i ? { op: 'pci-unbind', bdf: '0000:08:00.2' } : { op: 'pci-bind', bdf: '0000:08:00.2' },
      query: 'readlink /sys/bus/pci/devices/0000:08:00.2/driver',
    },
    {
      name: 'module mlx5_ib',
      to: (i) => ({ op: 'module', module: 'mlx5_ib', action: i ? 'unload' : 'load' }),
      query: 'cat /proc/modules',
    },
    {
      name: 'fw-tracer',
      to: (i) => ({ op: 'fw-tracer', enable: i === 1 }),
      query: `cat ${tracer}`,
    },
  ]
}

function fakeKinds(): Kind[] {
  const dev = 'netdevsim/netdevsim1'
  return [
    {
      name: 'eswitch-mode',
      to: (i) => ({ op: 'eswitch-mode', device: dev, mode: i ? 'switchdev' : 'legacy' }),
      query: `devlink dev eswitch show ${dev}`,
    },
    {
      name: 'vf-count',
      to: (i) => ({ op: 'vf-count', device: dev, count: i ? 2 : 0 }),
      query: `cat /sys/bus/netdevsim/devices/netdevsim1/sriov_numvfs`,
    },
    {
      name: 'fw-tracer',
      to: (i) => ({ op: 'fw-tracer', enable: i === 1 }),
      query: 'cat /sys/kernel/debug/tracing/events/mlx5/mlx5_fw/enable',
    },
  ]
}

/** A console on one host: connection, watcher, engine. */
interface Console extends EngineRig {
  readonly id: string
  readonly conn: SshConnection
}

async function openConsole(t: SshTarget, knownHosts: string, dir: string): Promise<Console> {
  const conn = await replabConnect(t, knownHosts)
  return { id: t.name, conn, ...(await engineRig(conn, t.name, dir)) }
}

/** Lets the watcher take in the events of the last change before the next sample. */
async function quiet(c: Console): Promise<void> {
  await pause(80)
  await c.watcher.refresh({ parts: [] })
}

interface Samples {
  replab: number[]
  floor: number[]
  returned: number[]
  observed: number[]
  failed: string[]
}

async function replabOnce(c: Console, req: OperationRequest, s: Samples): Promise<void> {
  const t0 = nowMs()
  const r = await c.engine.runOperation(c.id, req, { timeoutMs: 60_000 })
  s.replab.push(nowMs() - t0)
  if (r.status !== 'ok') s.failed.push(`${req.op}: ${r.error?.message ?? r.status}`)
  if (r.timings.returnedMs !== null) s.returned.push(r.timings.returnedMs)
  if (r.timings.observedMs !== null && r.timings.returnedMs !== null)
    s.observed.push(r.timings.observedMs - r.timings.returnedMs)
}

async function floorOnce(c: Console, req: OperationRequest, query: string, s: Samples) {
  const plan = await c.engine.plan(c.id, req)
  const t0 = nowMs()
  for (const cmd of plan.commands) await c.conn.exec(cmd, { timeoutMs: 60_000 })
  await c.conn.exec(query, { timeoutMs: 60_000 })
  s.floor.push(nowMs() - t0)
}

/** `n` samples each side for one kind, interleaved as in the module comment. */
async function measureKind(c: Console, k: Kind, n: number): Promise<Samples> {
  const s: Samples = { replab: [], floor: [], returned: [], observed: [], failed: [] }
  // Start from state 0, then toggle: R(→1) F(→0) F(→1) R(→0) …
  await c.engine.runOperation(c.id, k.to(0), { timeoutMs: 60_000 })
  let state: 0 | 1 = 0
  for (let i = 0; i < 2 * n; i++) {
    const next: 0 | 1 = state === 0 ? 1 : 0
    await quiet(c)
    if (i % 4 === 0 || i % 4 === 3) await replabOnce(c, k.to(next), s)
    else await floorOnce(c, k.to(next), k.query, s)
    state = next
  }
  await quiet(c)
  if (state !== 0) await c.engine.runOperation(c.id, k.to(0), { timeoutMs: 60_000 })
  return s
}

function rowsOf(target: string, k: Kind, s: Samples): Row[] {
  const r = summarize(s.replab)
  const f = summarize(s.floor)
  const split = `returned p50 ${summarize(s.returned).p50.toFixed(1)} ms, then observed in ${summarize(s.observed).p50.toFixed(1)} ms`
  const spread = `replab ${r.min.toFixed(0)}–${r.max.toFixed(0)} ms, floor ${f.min.toFixed(0)}–${f.max.toFixed(0)} ms`
  const failed = s.failed.length ? `; NOT ok: ${s.failed[0]}` : ''
  return [
    measured(
      SECTION,
      `${target} ${k.name} p50`,
      r.p50,
      'ms',
      { value: f.p50, label: `same commands + \`${k.query.split(' ').slice(0, 4).join(' ')}\`` },
      GOAL,
      `n=${s.replab.length}+${s.floor.length}; ${split}; ${spread}${failed}`,
    ),
  ]
}

async function onTarget(
  target: string,
  t: SshTarget,
  kinds: readonly Kind[],
  knownHosts: string,
  n: number,
  prepare: (c: Console) => Promise<void>,
): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'replab-bench-ops-'))
  const c = await openConsole(t, knownHosts, dir)
  const rows: Row[] = []
  try {
    await prepare(c)
    for (const k of kinds) {
      try {
        rows.push(...rowsOf(target, k, await measureKind(c, k, n)))
      } catch (err) {
        rows.push(skipped(SECTION, `${target} ${k.name}`, `failed: ${errText(err)}`))
      }
    }
  } finally {
    c.close()
    await rm(dir, { recursive: true, force: true })
  }
  return rows
}

/** Rows for labsim and the fake sshd host, `n` samples per side and kind. */
export async function benchOps(knownHosts: string, n: number): Promise<Row[]> {
  const rows: Row[] = []
  try {
    const lab = await spawnLabChild(1, 0.05)
    try {
      const h = lab.hosts[0]
      if (!h) throw new Error('labsim started no host')
      rows.push(
        ...(await onTarget('labsim', { ...h, name: h.name }, labsimKinds(), knownHosts, n, (c) =>
          // VFs for the mode change to bring representors up, and a VF to unbind.
          c.engine
            .runOperation(
              c.id,
              { op: 'vf-count', device: 'pci/0000:08:00.0', count: 2 },
              {
                timeoutMs: 60_000,
              },
            )
            .then(() => undefined),
        )),
      )
    } finally {
      await lab.stop()
    }
  } catch (err) {
    rows.push(skipped(SECTION, 'labsim', errText(err)))
  }
  try {
    const fake = await spawnFakeHosts(1)
    try {
      const h = fake.hosts[0]
      if (!h) throw new Error('no fake host')
      rows.push(...(await onTarget('sshd', h, fakeKinds(), fake.knownHosts, n, async () => {})))
    } finally {
      await fake.stop()
    }
  } catch (err) {
    rows.push(skipped(SECTION, 'sshd', errText(err)))
  }
  return rows
}
