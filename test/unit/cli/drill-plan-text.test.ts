import { describe, expect, it } from 'vitest'

import { describeDrillPlan, drillParams } from '../../../main/cli/drill-plan-text'
import { planDrill } from '../../../main/engine'
import { FakeHost } from '../../helpers/fake-mlx5-host'

// `replab drill run` words → parameters (a typo is invalid-request, never NaN), and the plan as
// the text printed before the confirmation (issue 21 item 1).

describe('drillParams', () => {
  it('takes whole numbers only, and leaves out what was not given (vfs: the current count)', () => {
    expect(drillParams({ iterations: '3', timeoutMs: '10000' })).toEqual({
      stopOnFailure: false,
      iterations: 3,
      timeoutMs: 10000,
    })
    for (const [key, flag] of [
      ['iterations', 'iterations'],
      ['vfs', 'vfs'],
      ['settleMs', 'settle-ms'],
    ] as const)
      expect(() => drillParams({ [key]: '2.5' })).toThrow(
        new RegExp(`--${flag} takes a whole number, not "2\\.5"`),
      )
    expect(() => drillParams({ vfs: '' })).toThrow(/whole number/)
  })
})

describe('describeDrillPlan', () => {
  it('names host and device, every command, the VFs in use and the refusal', async () => {
    const host = new FakeHost()
    host.run('echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
    host.pfs[0]!.vfInUse.set(0, 'bound to vfio-pci')
    const plan = await planDrill({
      hostId: 'fake',
      target: 'root@10.0.0.5:22',
      request: {
        hostId: 'fake',
        kind: 'vf-churn',
        device: 'pci/0000:08:00.0',
        params: { iterations: 1, timeoutMs: 30_000, stopOnFailure: false, vfs: 1 },
      },
      snapshot: host.snapshot(),
      faultSupported: false,
    })
    const text = describeDrillPlan(plan)
    expect(text.split('\n')[0]).toBe(
      `Run vf-churn on pci/0000:08:00.0 of host fake-a (root@10.0.0.5:22)? 1 iteration; it disturbs ${plan.blastRadius.length} items and restores 2 at the end.`,
    )
    expect(text).toContain(
      '  2. vf count 0\n       $ echo 0 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs',
    )
    expect(text).toContain('VFs in use:\n  0000:08:00.1 (VF 0, enp8s0f0v0): bound to vfio-pci')
    expect(text).toMatch(
      /\nREFUSED unless --force: vf-churn would change the VF count of pci\/0000:08:00\.0 \(2 → 0\)/,
    )
  })
})
