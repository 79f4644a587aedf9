import { describe, expect, it } from 'vitest'

import { DrillKind, DrillParams, DrillStartRequest } from '../../../contract'
import { INJECT_PROBE, planDrill } from '../../../main/engine'
import { FakeHost } from '../../helpers/fake-mlx5-host'
import { harness, drillRequest } from './harness'

// Issue 21 items 1-3: a plan before every drill (steps with exact commands, blast radius, VFs in
// use, restore, estimate), VFs in use left alone unless forced, and a request checked against
// the device before anything is journaled.

const PF = 'pci/0000:08:00.0'
const KINDS: readonly DrillKind[] = DrillKind.options

/** The plan of `kind` on `host` as it is now (pure: nothing runs). */
function planOf(host: FakeHost, kind: DrillKind, params: Record<string, unknown> = {}) {
  const request = DrillStartRequest.parse({ ...drillRequest(kind, params), params: { ...params } })
  return planDrill({
    hostId: 'fake',
    target: 'root@127.0.0.1:2222',
    request: { ...request, params: DrillParams.parse({ timeoutMs: 2000, ...params }) },
    snapshot: host.snapshot(),
    faultSupported: host.options.inject === true,
  })
}

describe('planDrill', () => {
  it('lists every step with the exact commands the run then sends, in order', async () => {
    for (const kind of KINDS) {
      const h = harness({ inject: true })
      // With the VFs there, every command can be named before the run (BDFs included).
      h.host.run('echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
      const plan = await planOf(h.host, kind, { vfs: 2 })
      expect(plan.notes.join('\n'), kind).not.toMatch(/could not be planned/)
      // Race lanes run concurrently: their commands are compared as a set.
      const inOrder = (steps: Array<{ name: string; commands?: string[] | undefined }>) =>
        steps.flatMap((s) =>
          s.name.startsWith('race') ? [...(s.commands ?? [])].sort() : (s.commands ?? []),
        )
      const planned = inOrder(plan.steps)
      const report = await h.engine.runDrill(drillRequest(kind, { vfs: 2 }))
      expect(report.status, kind).toBe('passed')
      const ran = inOrder(report.steps.filter((s) => s.iteration === 1))
      expect(ran, kind).toEqual(planned)
      expect(
        plan.steps.map((s) => s.name),
        kind,
      ).toEqual(report.steps.filter((s) => s.iteration === 1).map((s) => s.name))
    }
  })

  it('VFs the drill creates cannot be named yet: the plan says so', async () => {
    const plan = await planOf(new FakeHost(), 'vf-reset-isolation', { vfs: 2 })
    expect(plan.steps.map((s) => s.name)).toEqual(['vf count 2'])
    expect(plan.notes).toEqual([
      '2 VFs will be created by the drill: steps naming a VF by its BDF are planned for the VFs that exist now only',
    ])
  })

  it('late-ib-reps: blast radius summed over its steps, the restore, the estimate and its basis', async () => {
    const host = new FakeHost({ ports: 2 })
    host.run('echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
    const plan = await planOf(host, 'late-ib-reps')
    expect(plan.params.vfs).toBe(2) // the current count: no VF step
    expect(plan.steps.map((s) => `${s.kind} ${s.name}: ${s.commands.join('; ')}`)).toEqual([
      `operation eswitch mode switchdev: devlink dev eswitch set ${PF} mode switchdev`,
      'operation unload mlx5_ib: modprobe -r mlx5_ib',
      'operation load mlx5_ib: modprobe mlx5_ib',
      'wait IB representors appear: ',
    ])
    expect(plan.steps[3]?.expect).toMatch(
      /no change for 1000 ms without it \(settle window\), at the latest after 2000 ms/,
    )
    const blast = plan.blastRadius.map((b) => `${b.kind} ${b.name}`)
    for (const item of [`devlink ${PF}`, 'vf 0000:08:00.2', 'link enp8s0f1np1', 'module mlx5_ib'])
      expect(blast).toContain(item)
    expect(new Set(blast).size).toBe(blast.length)
    expect(plan.restore.map((r) => `${r.text} (${r.operation})`)).toEqual([
      `E-Switch mode of ${PF} back to legacy (eswitch-mode ${PF} legacy)`,
      'mlx5_ib loaded again (module mlx5_ib load)',
    ])
    expect(plan.estimate.basis).toMatch(/^no earlier run of late-ib-reps on pci\/0000:08:00\.0:/)
    expect(plan.estimate.typicalMs).toBeGreaterThan(0)
    expect(plan.estimate.worstMs).toBe(6 * 2000) // 3 operations, 1 wait, 2 restores
    expect(plan.confirm).toBe(
      `Run late-ib-reps on ${PF} of host fake-a (root@127.0.0.1:2222)? 1 iteration; it disturbs ${plan.blastRadius.length} items and restores 2 at the end.`,
    )
    expect(plan.refusal).toBeNull()
  })

  it('later iterations skip what already holds; the estimate follows earlier runs once there are any', async () => {
    const h = harness()
    const plan = await h.engine.planDrill(drillRequest('vf-churn', { iterations: 3, vfs: 1 }))
    expect(plan.steps.map((s) => s.name)).toEqual([
      'eswitch mode switchdev',
      'vf count 1',
      'vf count 0',
      'vf count 2',
      'vf count 0',
    ])
    expect(plan.repeatSteps.map((s) => s.name)).toEqual([
      'vf count 1',
      'vf count 0',
      'vf count 2',
      'vf count 0',
    ])
    await h.engine.runDrill(drillRequest('vf-churn', { iterations: 3, vfs: 1 }))
    const again = await h.engine.planDrill(drillRequest('vf-churn', { iterations: 3, vfs: 1 }))
    expect(again.estimate.basis).toMatch(
      /^median of 1 earlier run of vf-churn on pci\/0000:08:00\.0: \d+\.\d s per iteration$/,
    )
  })
})

describe('validation against the device (not stored as a run)', () => {
  it('a VF count above sriov_totalvfs, a device that is not there, 0 VFs where one is needed', async () => {
    const h = harness()
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ vfs: 100 }, 'vf-churn', /VF count 100 exceeds sriov_totalvfs 8 of pci\/0000:08:00\.0/],
      [{ vfs: 2, vfsAlt: 9 }, 'vf-churn', /alternate VF count 9 exceeds sriov_totalvfs 8/],
      [{ vfs: 0 }, 'vf-reset-isolation', /vf-reset-isolation needs at least 1 VF; 0 asked/],
      [{ settleMs: 5000, timeoutMs: 2000 }, 'vf-churn', /settle window 5000 ms is not shorter/],
    ]
    for (const [params, kind, message] of cases) {
      await expect(
        h.engine.startDrill(drillRequest(kind as DrillKind, params)),
      ).rejects.toMatchObject({ code: 'invalid-request', message })
    }
    await expect(
      h.engine.startDrill({ ...drillRequest('vf-churn'), device: 'pci/0000:99:00.0' }),
    ).rejects.toMatchObject({
      code: 'invalid-request',
      message: /device pci\/0000:99:00\.0 is not present on fake-a/,
    })
    await expect(
      h.engine.startDrill(drillRequest('vf-churn', { iterations: 0 })),
    ).rejects.toMatchObject({ code: 'invalid-request' })
    expect(await h.engine.listRuns()).toEqual([])
    expect(h.journal.runs.size).toBe(0)
    expect(h.host.log.filter((c) => c.includes('sriov_numvfs'))).toEqual([])
  })

  it('without vfs a drill keeps the current VF count, raised to its minimum', async () => {
    const h = harness()
    h.host.run('echo 4 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
    const { vfs: _vfs, ...params } = drillRequest('vf-reset-isolation').params
    const report = await h.engine.runDrill({ ...drillRequest('vf-reset-isolation'), params })
    expect(report.status).toBe('passed')
    expect(report.params?.vfs).toBe(4)
    expect(report.steps.filter((s) => s.name.startsWith('reset VF'))).toHaveLength(4)
    expect(report.steps.some((s) => s.name.startsWith('vf count'))).toBe(false)
    expect(h.host.snapshot().devices[0]?.pci?.numvfs).toBe(4)
    const fresh = harness()
    const { vfs: _v, ...rest } = drillRequest('vf-churn').params
    expect(
      (await fresh.engine.planDrill({ ...drillRequest('vf-churn'), params: rest })).params.vfs,
    ).toBe(1)
  })
})

describe('VFs in use are left alone unless forced', () => {
  function busy() {
    const h = harness()
    h.host.run('echo 4 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
    h.host.pfs[0]!.vfInUse.set(1, 'bound to vfio-pci')
    return h
  }

  it('the plan shows them and says what would disturb them; start refuses, naming them', async () => {
    const h = busy()
    const plan = await h.engine.planDrill(drillRequest('vf-churn', { vfs: 2 }))
    expect(plan.inUse).toEqual([
      { device: PF, bdf: '0000:08:00.2', vf: 1, netdev: 'enp8s0f0v1', reason: 'bound to vfio-pci' },
    ])
    expect(plan.refusal).toMatch(
      /^vf-churn would change the VF count of pci\/0000:08:00\.0 \(4 → 0\) on fake-a while VFs are in use: 0000:08:00\.2 \(VF 1, enp8s0f0v1\): bound to vfio-pci\./,
    )
    expect(plan.blastRadius.find((b) => b.name === '0000:08:00.2')?.detail).toMatch(
      /IN USE: bound to vfio-pci$/,
    )
    const before = h.host.log.length
    await expect(h.engine.startDrill(drillRequest('vf-churn', { vfs: 2 }))).rejects.toMatchObject({
      code: 'in-use',
      message: expect.stringContaining('0000:08:00.2 (VF 1, enp8s0f0v1): bound to vfio-pci'),
    })
    expect(h.host.log.slice(before).filter((c) => c !== INJECT_PROBE)).toEqual([])
    expect(h.journal.runs.size).toBe(0)
    expect(h.host.snapshot().devices[0]?.pci?.numvfs).toBe(4)
  })

  it('a VF reset or a PF unbind is refused too; a drill that leaves them alone runs', async () => {
    const h = busy()
    const { vfs: _vfs, ...params } = drillRequest('vf-reset-isolation').params
    await expect(
      h.engine.startDrill({ ...drillRequest('vf-reset-isolation'), params }),
    ).rejects.toMatchObject({ code: 'in-use', message: /would reset VF 1 \(0000:08:00\.2\)/ })
    await expect(
      h.engine.startDrill({ ...drillRequest('pf-rebind'), params }),
    ).rejects.toMatchObject({ code: 'in-use', message: /would unbind pci\/0000:08:00\.0/ })
    const report = await h.engine.runDrill({ ...drillRequest('late-ib-reps'), params })
    expect(report.status).toBe('passed')
    expect(h.host.snapshot().devices[0]?.pci?.numvfs).toBe(4)
  })

  it('forced, it runs (and restores the VF count)', async () => {
    const h = busy()
    const report = await h.engine.runDrill({ ...drillRequest('vf-churn', { vfs: 2 }), force: true })
    expect(report.status).toBe('passed')
    expect(h.host.snapshot().devices[0]?.pci?.numvfs).toBe(4)
  })
})
