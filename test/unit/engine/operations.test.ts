import { beforeAll, describe, expect, it } from 'vitest'

import { OperationRequest } from '../../../contract'
import type { HostSnapshot, OperationKind } from '../../../contract'
import { discover } from '../../../main/host/discover'
import type { CommandRunner } from '../../../main/host/ports'
import { OPERATIONS, operationFor, type Req } from '../../../main/engine/operations'
import { plan } from '../../../main/engine/plan'
import { TrackedChange } from '../../../main/engine/restore'
import { testHost } from '../labsim/sim'

// Issue 16 item 2: every operation kind has one module. This walks the registry and checks each
// module against a real labsim host (in process, discovered by main/host exactly as over SSH):
// a CX-6 Dx PF in switchdev with 2 VFs, mlx5_ib loaded, and the netdevsim10 device.

const PF = 'pci/0000:08:00.0'
const VF = '0000:08:00.2'

/** Requests of every kind (typed: a kind without samples does not compile). */
const SAMPLES: { readonly [K in OperationKind]: readonly Req<K>[] } = {
  'eswitch-mode': [
    { op: 'eswitch-mode', device: PF, mode: 'legacy' },
    { op: 'eswitch-mode', device: PF, mode: 'switchdev', inlineMode: 'transport' },
  ],
  'vf-count': [
    { op: 'vf-count', device: PF, count: 4 },
    { op: 'vf-count', device: PF, count: 0 },
  ],
  'pci-unbind': [
    { op: 'pci-unbind', bdf: VF },
    { op: 'pci-unbind', bdf: '0000:08:00.0' },
  ],
  'pci-bind': [{ op: 'pci-bind', bdf: '0000:08:00.0', driver: 'mlx5_core' }],
  'pci-reset': [
    { op: 'pci-reset', bdf: VF },
    { op: 'pci-reset', bdf: '0000:08:00.0' },
  ],
  unbind: [
    { op: 'unbind', device: PF },
    { op: 'unbind', device: 'netdevsim/netdevsim10' },
  ],
  bind: [
    { op: 'bind', device: PF },
    { op: 'bind', device: 'netdevsim/netdevsim10', driver: 'netdevsim' },
  ],
  module: [
    { op: 'module', module: 'mlx5_ib', action: 'unload' },
    { op: 'module', module: 'mlx5_core', action: 'unload' },
    { op: 'module', module: 'mlx5_core', action: 'load' },
  ],
  'devlink-reload': [
    { op: 'devlink-reload', device: PF, action: 'driver_reinit' },
    { op: 'devlink-reload', device: 'netdevsim/netdevsim10', action: 'driver_reinit' },
  ],
  health: [
    { op: 'health', device: PF, reporter: 'fw_fatal', action: 'recover' },
    { op: 'health', device: PF, reporter: 'fw', action: 'diagnose' },
    { op: 'health', device: PF, reporter: 'fw_fatal', action: 'dump' },
    { op: 'health', device: 'netdevsim/netdevsim10', reporter: 'dummy', action: 'recover' },
  ],
  'fw-tracer': [
    { op: 'fw-tracer', enable: false },
    { op: 'fw-tracer', enable: true, path: 'ofed' },
  ],
  crdump: [{ op: 'crdump', device: PF }],
  mlxconfig: [
    { op: 'mlxconfig', bdf: '0000:08:00.0', action: 'query' },
    { op: 'mlxconfig', bdf: '0000:08:00.0', action: 'set', swRecoveryOnErrors: false },
  ],
  fault: [
    { op: 'fault', fault: 'fw-assert', device: PF },
    { op: 'fault', fault: 'ib-rep-load-fail', device: PF, vport: 1 },
    { op: 'fault', fault: 'slow' },
  ],
}

const all = Object.values(SAMPLES).flat() as OperationRequest[]

/** The requests whose commands take the device away and back (terminal panes park). */
function drops(r: OperationRequest): boolean {
  switch (r.op) {
    case 'pci-unbind':
    case 'pci-bind':
    case 'pci-reset':
    case 'unbind':
    case 'bind':
    case 'devlink-reload':
      return true
    case 'module':
      return r.module === 'mlx5_core'
    case 'health':
      // only mlx5's fw_fatal recovery reloads the device (docs/domain.md §3.2)
      return r.action === 'recover' && r.reporter === 'fw_fatal'
    case 'fault':
      return r.fault === 'fw-assert'
    default:
      return false
  }
}

let snap: HostSnapshot

beforeAll(async () => {
  const lab = testHost('fixed')
  await lab.run('echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
  await lab.run('devlink dev eswitch set pci/0000:08:00.0 mode switchdev')
  const runner: CommandRunner = {
    target: 'root@127.0.0.1:2222',
    exec: async (command, o) => ({
      ...(await lab.run(command, o.stdin)),
      signal: null,
      durationMs: 0,
    }),
    stream: () => {
      throw new Error('discovery does not stream')
    },
  }
  snap = await discover(runner, { hostName: 'sim-a', timeoutMs: 10_000 })
})

describe('operation registry', () => {
  it('the labsim host is what the samples assume', () => {
    const pf = snap.devices.find((d) => d.handle === PF)
    expect(pf?.eswitch?.mode).toBe('switchdev')
    expect(pf?.pci?.vfs.map((v) => v.bdf)).toContain(VF)
    expect(snap.devices.some((d) => d.handle === 'netdevsim/netdevsim10')).toBe(true)
    expect(snap.tracer?.path).toBe('upstream')
  })

  it('has one module per kind, each with its own kind and a usage line', () => {
    for (const [kind, m] of Object.entries(OPERATIONS)) {
      expect(m.kind).toBe(kind)
      expect(m.usage.length, kind).toBeGreaterThan(0)
      expect(SAMPLES[m.kind].length, kind).toBeGreaterThan(0)
    }
  })

  it.each(all.map((r) => [JSON.stringify(r), r] as const))('%s', (_name, r) => {
    expect(OperationRequest.parse(r)).toEqual(r)
    const m = operationFor(r)
    const reasons = m.precondition(r, snap)
    // A precondition that holds always yields commands: one line each, nothing empty.
    if (reasons.length === 0) {
      const commands = m.commands(r, snap, {})
      expect(commands.length).toBeGreaterThan(0)
      for (const c of commands) expect(c).toMatch(/^[^\n]+$/)
    }
    // Read-only means nothing changes: not destructive, nothing to wait for, restore or park.
    if (m.readOnly(r)) {
      expect(m.destructive(r)).toBe(false)
      expect(m.expectation(r, snap)).toBeNull()
      expect(m.tracks(r, snap)).toEqual([])
      expect(m.blastRadius(r, snap)).toEqual([])
    }
    expect(m.dropReason(r, snap) !== null).toBe(drops(r))
    if (m.dropReason(r, snap) !== null) expect(m.dropReason(r, snap)).toContain(m.subject(r))
    // Sentences and locks name real things.
    expect(m.subject(r).length).toBeGreaterThan(0)
    const lock = m.lockSubject(r, snap)
    expect(lock === '*' || snap.devices.some((d) => d.handle === lock) || /^pci\//.test(lock)).toBe(
      true,
    )
    for (const c of m.tracks(r, snap)) expect(TrackedChange.parse(c)).toEqual(c)
    const e = m.expectation(r, snap)
    if (e) {
      // mlx5's outcomes are all in its source (docs/domain.md); other drivers may not be.
      if ('device' in r && r.device === PF) expect(e.known).toBe(true)
      expect(e.text.length).toBeGreaterThan(0)
      expect(e.source).toMatch(/docs\/domain\.md §\d|drivers\//)
      expect(e.observed(snap).length).toBeGreaterThan(0)
    }
    const p = plan(r, snap, { hostId: 'sim-a', target: 'root@127.0.0.1:2222' })
    expect(p.precondition.ok).toBe(reasons.length === 0)
    expect(p.expect).toBe(e?.text ?? m.describe(r))
    expect(p.destructive).toBe(m.destructive(r))
  })

  it('an expectation says in words what it observed', () => {
    const reload = SAMPLES['devlink-reload'][0]!
    const e = OPERATIONS['devlink-reload'].expectation(reload, snap)
    expect(e?.holds(snap)).toBe(true)
    expect(e?.observed(snap)).toBe(
      'pci/0000:08:00.0: driver mlx5_core, mode switchdev, numvfs 2, 2 VFs listed, 2 VF ports',
    )
    const reset = OPERATIONS['pci-reset'].expectation({ op: 'pci-reset', bdf: VF }, snap)
    expect(reset?.observed(snap)).toBe('0000:08:00.2: VF 0 of pci/0000:08:00.0, driver mlx5_core')
  })
})
