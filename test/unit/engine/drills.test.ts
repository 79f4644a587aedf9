import { describe, expect, it } from 'vitest'

import type { DrillKind } from '../../../contract'
import { listDrills } from '../../../main/engine'
import { nextRestore, type TrackedChange } from '../../../main/engine/restore'
import { FakeHost } from '../../helpers/fake-mlx5-host'
import { drillRequest, harness } from './harness'

const dev = 'pci/0000:08:00.0'
const kinds: DrillKind[] = [
  'late-ib-reps',
  'pf-rebind',
  'vf-reset-isolation',
  'mode-race',
  'vf-churn',
  'fatal-recovery',
  'reload-unwind',
]

describe('drill list', () => {
  it('lists the seven drills; none needs labsim any more (reload-unwind has netdevsim knobs too)', () => {
    expect(
      listDrills()
        .map((d) => d.kind)
        .sort(),
    ).toEqual([...kinds].sort())
    expect(
      listDrills(false)
        .map((d) => d.kind)
        .sort(),
    ).toEqual([...kinds].sort())
    for (const d of listDrills()) expect(d.source).toMatch(/domain\.md|Reset Flow/)
  })
})

describe('drill defaults', () => {
  it('mode-race runs its own 10 iterations unless told otherwise', async () => {
    const h = harness()
    const { params: _omit, ...bare } = drillRequest('mode-race')
    const report = await h.engine.runDrill({
      ...bare,
      params: { timeoutMs: 2000, iterations: undefined },
    })
    expect(report.params?.iterations).toBe(10)
    const two = await h.engine.runDrill(drillRequest('mode-race', { iterations: 2 }))
    expect(two.params?.iterations).toBe(2)
  })
})

describe('drills on the fixed kernel', () => {
  it.each(kinds)('%s passes and puts the host back as it found it', async (kind) => {
    const h = harness({ inject: true })
    const before = h.host.snapshot()
    const report = await h.engine.runDrill(drillRequest(kind, { iterations: 2 }), (p) =>
      h.progress.push(p),
    )
    expect(report.findings.filter((f) => f.severity === 'error' || f.severity === 'fatal')).toEqual(
      [],
    )
    expect(report.status).toBe('passed')
    expect(report.steps.length).toBeGreaterThan(1)
    expect(h.progress.length).toBe(report.steps.length + 1)
    expect(h.progress.at(-1)?.status).toBe('passed')
    expect(h.progress.slice(0, -1).every((p) => p.status === 'running')).toBe(true)
    const after = h.host.snapshot()
    expect(after.devices[0]?.eswitch).toEqual(before.devices[0]?.eswitch)
    expect(after.devices[0]?.pci?.numvfs).toBe(before.devices[0]?.pci?.numvfs)
    expect(after.host.modules).toEqual(before.host.modules)
    expect(h.host.locks.size).toBe(0)
  })
})

describe('drills on the pre-series kernel', () => {
  it('late-ib-reps fails naming the missing IB representors', async () => {
    const h = harness({ profile: 'pre-series' })
    const report = await h.engine.runDrill(drillRequest('late-ib-reps', { timeoutMs: 150 }))
    expect(report.status).toBe('failed')
    const f = report.findings.find((x) => x.invariant === 'ib-reps')
    expect(f?.step).toBe('IB representors appear')
    expect(f?.message).toContain('IB representors missing for enp8s0f0np0')
    expect(f?.message).toContain('enp8s0f0npf0vf1')
  })

  it('reload-unwind fails naming the vanished ETH representor', async () => {
    const h = harness({ profile: 'pre-series', inject: true })
    const report = await h.engine.runDrill(drillRequest('reload-unwind', { timeoutMs: 150 }))
    expect(report.status).toBe('failed')
    expect(report.findings.map((f) => f.message)).toContain(
      'ETH representor enp8s0f0npf0vf0 (VF 0) vanished after the failed IB representor load',
    )
    // mode and VFs were set by the drill: restoring them (legacy, 0 VFs) also removes the broken reps
    expect(report.restored).toEqual(['numvfs:pci/0000:08:00.0', 'mode:pci/0000:08:00.0'])
  })

  it('reload-unwind repairs representors it broke when mode and VFs were already set', async () => {
    const h = harness({ profile: 'pre-series', inject: true })
    h.host.run('echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
    h.host.run('devlink dev eswitch set pci/0000:08:00.0 mode switchdev')
    const report = await h.engine.runDrill(drillRequest('reload-unwind', { timeoutMs: 150 }))
    expect(report.status).toBe('failed')
    expect(report.restored).toEqual(['reps:pci/0000:08:00.0'])
    expect(h.host.snapshot().devices[0]?.ports.every((p) => p.netdev !== null)).toBe(true)
  })

  it('a kernel splat during a mode change is a fatal finding', async () => {
    const h = harness({ splatOnModeChange: true })
    const report = await h.engine.runDrill(drillRequest('vf-churn'))
    expect(report.status).toBe('failed')
    expect(report.findings.find((f) => f.invariant === 'no-kernel-splat')?.message).toMatch(
      /possible circular locking dependency/,
    )
  })

  it('vf-reset-isolation flags a reset that re-created the PF netdev', async () => {
    const h = harness({ leakyReset: true })
    const report = await h.engine.runDrill(drillRequest('vf-reset-isolation'))
    expect(report.status).toBe('failed')
    expect(
      report.findings.some(
        (f) => f.invariant === 'vf-reset-isolation' && f.message.startsWith('enp8s0f0np0'),
      ),
    ).toBe(true)
  })

  it('stop-on-failure ends after the first failed iteration; otherwise all iterations run', async () => {
    const stop = harness({ profile: 'pre-series' })
    const r1 = await stop.engine.runDrill(
      drillRequest('late-ib-reps', { iterations: 3, timeoutMs: 120, stopOnFailure: true }),
    )
    expect(
      new Set(r1.steps.filter((s) => s.iteration !== undefined).map((s) => s.iteration)),
    ).toEqual(new Set([1]))
    const all = harness({ profile: 'pre-series' })
    const r2 = await all.engine.runDrill(
      drillRequest('late-ib-reps', { iterations: 2, timeoutMs: 120 }),
    )
    expect(new Set(r2.steps.map((s) => s.iteration).filter((i) => i !== undefined))).toEqual(
      new Set([1, 2]),
    )
  })
})

describe('restore only what changed', () => {
  it('plans restores in order: bind, module, mode, VFs, reps, VF binding; skips what is back', () => {
    const changes: TrackedChange[] = [
      { kind: 'numvfs', device: dev, original: 0 },
      { kind: 'bound', bdf: '0000:08:00.1', pf: false, original: true },
      { kind: 'mode', device: dev, original: 'legacy' },
      { kind: 'module', module: 'mlx5_ib', original: true },
      { kind: 'bound', bdf: '0000:08:00.0', pf: true, original: true },
    ]
    const h = new FakeHost()
    h.run('echo 0000:08:00.0 > /sys/bus/pci/devices/0000:08:00.0/driver/unbind')
    h.run('modprobe -r mlx5_ib')
    const done = new Set<string>()
    const seen: string[] = []
    for (
      let next = nextRestore(changes, h.snapshot(), done);
      next;
      next = nextRestore(changes, h.snapshot(), done)
    ) {
      done.add(next.key)
      seen.push(next.key)
      if (next.request.op === 'pci-bind')
        h.run('echo 0000:08:00.0 > /sys/bus/pci/drivers/mlx5_core/bind')
      if (next.request.op === 'module') h.run('modprobe mlx5_ib')
    }
    // the PF comes back in legacy with 0 VFs, so mode and VFs need nothing
    expect(seen).toEqual(['bound:0000:08:00.0', 'module:mlx5_ib'])
  })

  it('restores mode and VF count but never touches what the drill did not change', async () => {
    const h = harness()
    h.host.run('echo 3 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
    const report = await h.engine.runDrill(drillRequest('late-ib-reps', { vfs: 3 }))
    expect(report.status).toBe('passed')
    expect(report.restored).toEqual(['mode:pci/0000:08:00.0'])
    expect(h.host.log).not.toContain('echo 0 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
    expect(h.host.snapshot().devices[0]?.eswitch?.mode).toBe('legacy')
    expect(h.host.snapshot().devices[0]?.pci?.numvfs).toBe(3)
  })

  it('restores after a failure too', async () => {
    const h = harness({ profile: 'pre-series' })
    const report = await h.engine.runDrill(drillRequest('late-ib-reps', { timeoutMs: 120 }))
    expect(report.status).toBe('failed')
    expect(report.restored).toEqual(['numvfs:pci/0000:08:00.0', 'mode:pci/0000:08:00.0'])
    expect(h.host.snapshot().devices[0]?.pci?.numvfs).toBe(0)
  })

  it('an mlx5 drill needing injection on a host without it is not-applicable, changing nothing', async () => {
    const h = harness({ inject: false })
    const report = await h.engine.runDrill(drillRequest('reload-unwind'))
    expect(report.status).toBe('not-applicable')
    expect(report.steps.map((st) => [st.name, st.status])).toEqual([['applicability', 'skipped']])
    expect(report.findings[0]).toMatchObject({ severity: 'info', invariant: 'applicability' })
    expect(report.findings[0]?.message).toMatch(/only labsim offers; .* has no fault injection/)
    expect(h.host.log.filter((c) => c.startsWith('devlink') || c.startsWith('echo'))).toEqual([])
  })
})
