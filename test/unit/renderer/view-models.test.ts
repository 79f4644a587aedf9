import { describe, expect, it } from 'vitest'

import type { HostView } from '../../../contract/hosts'
import { createAckCounter } from '../../../renderer/api/terminal-stream'
import { describeError } from '../../../renderer/api/unwrap'
import { buildRows, recentlyChanged } from '../../../renderer/features/device/rows'
import { layoutTopology } from '../../../renderer/features/device/topology-model'
import { parseDrillParams } from '../../../renderer/features/drills/drill-form'
import { timelineData, trends } from '../../../renderer/features/drills/timeline-data'
import { emptyFields, parseHostFields } from '../../../renderer/features/hosts/host-form'
import { connectionText, groupHosts } from '../../../renderer/features/hosts/host-groups'
import { labError } from '../../../contract/errors'
import { FakeHost } from '../../helpers/fake-mlx5-host'

/** The shared mlx5 model (dual port) with PF0 in switchdev and `vfs` VFs. */
function switchdev(vfs: number, opts: { missingIbRep?: boolean; sfs?: number } = {}) {
  const host = new FakeHost({ ports: 2, name: 'lab-01', sfs: opts.sfs ?? 0 })
  host.run(`echo ${vfs} > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs`)
  host.run('devlink dev eswitch set pci/0000:08:00.0 mode switchdev')
  if (opts.missingIbRep) host.setMissingIbRep(true)
  return host.snapshot()
}

describe('representor rows', () => {
  it('has one row per vport with the columns the table shows', () => {
    const snap = switchdev(4)
    const rows = buildRows(snap.devices[0]!, snap)
    expect(rows.map((r) => r.flavour)).toEqual(['physical', 'pcivf', 'pcivf', 'pcivf', 'pcivf'])
    const vf0 = rows[1]!
    expect(vf0).toMatchObject({
      key: 'pci/0000:08:00.0/1',
      number: 'pf0vf0',
      netdev: 'enp8s0f0npf0vf0',
      physPortName: 'pf0vf0',
      ethRep: 'loaded',
      ibRep: 'mlx5_2/2',
      vfBdf: '0000:08:00.2',
      vfDriver: 'mlx5_core',
      link: 'up',
    })
  })

  it('flags a missing IB representor only where one is expected', () => {
    const snap = switchdev(2, { missingIbRep: true })
    const rows = buildRows(snap.devices[0]!, snap)
    expect(rows.filter((r) => r.ibMissing).map((r) => r.number)).toEqual(['pf0vf1'])
    const noIb = { ...snap, host: { ...snap.host, modules: { mlx5_core: true, mlx5_ib: false } } }
    expect(buildRows(noIb.devices[0]!, noIb).some((r) => r.ibMissing)).toBe(false)
  })

  it('highlights only port/vf changes received within the window', () => {
    const received = {
      at: 1000,
      diff: {
        changes: [
          { entity: 'port', key: 'k1' },
          { entity: 'module', key: 'mlx5_ib' },
        ],
      },
    }
    expect([...recentlyChanged(received, 2000)]).toEqual(['k1'])
    expect(recentlyChanged(received, 5000).size).toBe(0)
    expect(recentlyChanged(null, 0).size).toBe(0)
  })

  it('builds 2,000 rows quickly', () => {
    const snap = switchdev(8, { sfs: 1991 })
    const t0 = performance.now()
    const rows = buildRows(snap.devices[0]!, snap)
    expect(rows.length).toBe(2000)
    expect(performance.now() - t0).toBeLessThan(200)
  })
})

describe('topology layout', () => {
  it('puts problem ports first and counts the ones that do not fit', () => {
    const snap = switchdev(8, { missingIbRep: true, sfs: 100 })
    // On a BlueField ECPF the host PF has a representor too (docs/domain.md §1.5): it leads the list.
    snap.devices[0]!.ports.push({
      index: 0,
      flavour: 'pcipf',
      pfnum: 0,
      netdev: 'pf0hpf',
      physPortName: 'pf0hpf',
      ibRep: { device: 'mlx5_2', port: 1 },
    })
    const layout = layoutTopology(buildRows(snap.devices[0]!, snap), 6, 2)
    expect(layout.uplink?.row.flavour).toBe('physical')
    expect(layout.reps[0]?.row.flavour).toBe('pcipf')
    expect(layout.reps[1]?.problem).toBe('ib-missing')
    expect(layout.reps[1]?.row.number).toBe('pf0vf1')
    expect(layout.reps).toHaveLength(12)
    expect(layout.hidden).toBe(1 + 8 + 100 - 12)
    expect(layout.problems).toBe(1)
  })
})

describe('drill timeline and trends', () => {
  it('lays out step durations per iteration with gaps as null', () => {
    const { names, data } = timelineData([
      { name: 'a', status: 'passed', durationMs: 5, iteration: 1 },
      { name: 'b', status: 'passed', durationMs: 7, iteration: 1 },
      { name: 'a', status: 'failed', durationMs: 9, iteration: 2 },
      { name: 'b', status: 'running', durationMs: 0, iteration: 2 },
    ])
    expect(names).toEqual(['a', 'b'])
    expect(data).toEqual([
      [1, 2],
      [5, 9],
      [7, null],
    ])
  })

  it('keeps a 30 s timeout and a 0 ms check plottable on the log axis', () => {
    const { data } = timelineData([
      { name: 'wait', status: 'failed', durationMs: 30_000, iteration: 1 },
      { name: 'check', status: 'passed', durationMs: 0, iteration: 1 },
    ])
    expect(data).toEqual([[1], [30_000], [1]])
  })

  it('groups pass/fail trends per host and drill, oldest first', () => {
    const t = trends([
      { hostId: 'h', drill: 'd', status: 'failed', startedAt: '2026-01-02' },
      { hostId: 'h', drill: 'd', status: 'passed', startedAt: '2026-01-01' },
      { hostId: 'g', drill: 'd', status: 'passed', startedAt: '2026-01-01' },
    ])
    expect(t.find((x) => x.hostId === 'h')).toMatchObject({
      statuses: ['passed', 'failed'],
      passed: 1,
      total: 2,
    })
  })
})

describe('terminal ack counter', () => {
  it('acks about every threshold bytes with the line count, and flushes the rest', () => {
    const acks: [number, number][] = []
    const c = createAckCounter((b, l) => acks.push([b, l]), 100)
    const line = new Uint8Array(40).fill(0x61)
    line[39] = 10
    c.consumed(line)
    c.consumed(line)
    expect(acks).toEqual([])
    c.consumed(line)
    expect(acks).toEqual([[120, 3]])
    c.consumed(line)
    expect(c.pending()).toBe(40)
    c.flush()
    c.flush()
    expect(acks).toEqual([
      [120, 3],
      [40, 1],
    ])
  })
})

describe('forms and labels', () => {
  it('validates the add-host form with the contract and names bad fields', () => {
    const ok = parseHostFields({
      ...emptyFields,
      id: 'lab-9',
      host: '10.0.0.9',
      port: '2222',
      user: 'root',
    })
    expect(ok).toEqual({
      config: { id: 'lab-9', name: 'lab-9', host: '10.0.0.9', port: 2222, user: 'root' },
    })
    const bad = parseHostFields({
      ...emptyFields,
      id: 'x',
      host: 'a;rm -rf /',
      port: '70000',
      user: 'root',
    })
    expect('errors' in bad && Object.keys(bad.errors).sort()).toEqual(['host', 'port'])
  })

  it('validates drill parameters with the contract', () => {
    expect(
      parseDrillParams({
        iterations: '3',
        timeoutMs: '1000',
        settleMs: '',
        vfs: '2',
        vfsAlt: '',
        stopOnFailure: true,
      }),
    ).toEqual({
      params: { iterations: 3, timeoutMs: 1000, vfs: 2, stopOnFailure: true },
    })
    // An empty VFs field is "the device's current count": no vfs in the request.
    expect(
      parseDrillParams({
        iterations: '1',
        timeoutMs: '30000',
        settleMs: '2000',
        vfs: '',
        vfsAlt: '',
        stopOnFailure: true,
      }),
    ).toEqual({ params: { iterations: 1, timeoutMs: 30000, settleMs: 2000, stopOnFailure: true } })
    expect(
      parseDrillParams({
        iterations: '0',
        timeoutMs: '1000',
        settleMs: '',
        vfs: '2',
        vfsAlt: '',
        stopOnFailure: false,
      }),
    ).toHaveProperty('error')
  })

  it('groups and filters hosts, and names connection failures with their reason', () => {
    const h = (id: string, group?: string): HostView => ({
      config: {
        id,
        name: id,
        host: '10.0.0.1',
        port: 22,
        user: 'root',
        readOnly: false,
        simulated: false,
        ...(group ? { group } : {}),
      },
      connection: { state: 'failed', code: 'ssh-auth', reason: 'publickey denied' },
    })
    const groups = groupHosts([h('b1', 'rack-b'), h('x'), h('a1', 'rack-a')], '')
    expect(groups.map(([g]) => g)).toEqual(['rack-a', 'rack-b', 'Ungrouped'])
    expect(groupHosts([h('b1', 'rack-b'), h('a1', 'rack-a')], 'A1').map(([g]) => g)).toEqual([
      'rack-a',
    ])
    expect(connectionText(h('x').connection)).toBe('failed (ssh-auth): publickey denied')
    expect(
      describeError(labError('ssh-auth', 'denied', { host: 'root@h:22', device: 'pci/x' })),
    ).toBe('ssh-auth: denied (host root@h:22, device pci/x)')
  })
})
