import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { DrillKind, DrillReport } from '../../../contract'
import { FAULT_DEVICE as DEVICE, pfState } from '../../helpers/fault-drill'
import { startRig, useLabConsole, type LabConsole, type LabRig } from '../../helpers/lab-engine'

// Issue 6 over real SSH to labsim: every drill passes on the `fixed` profile and leaves the PF as
// it found it; on `pre-series` the drills find the series' bugs (docs/domain.md §4.1–§4.3).

const params = { iterations: 1, timeoutMs: 8_000, stopOnFailure: false, vfs: 2 }

async function run(
  c: LabConsole,
  kind: DrillKind,
  extra: Partial<typeof params> = {},
): Promise<DrillReport> {
  return c.engine.runDrill({
    hostId: 'sim-a',
    kind,
    device: DEVICE,
    params: { ...params, ...extra },
  })
}

describe('drills on the fixed profile', () => {
  const suite = useLabConsole({ hosts: 1, profile: 'fixed', speed: 0.02 })

  const kinds: DrillKind[] = [
    'late-ib-reps',
    'pf-rebind',
    'vf-reset-isolation',
    'vf-churn',
    'fatal-recovery',
    'reload-unwind',
    'mode-race',
  ]
  for (const kind of kinds) {
    it(`${kind} passes and restores the PF`, async () => {
      const before = pfState(suite.rig)
      const report = await run(suite.c, kind, kind === 'mode-race' ? { iterations: 2 } : {})
      expect(
        report.findings.filter((f) => f.severity === 'error' || f.severity === 'fatal'),
      ).toEqual([])
      expect(report.status).toBe('passed')
      expect(report.steps.length).toBeGreaterThan(1)
      expect(pfState(suite.rig)).toEqual(before)
    }, 120_000)
  }
})

describe('drills on the pre-series profile', () => {
  const suite = useLabConsole({ hosts: 1, profile: 'pre-series', speed: 0.02 })

  it('late-ib-reps fails and names the missing IB representors', async () => {
    const report = await run(suite.c, 'late-ib-reps', { timeoutMs: 3_000 })
    expect(report.status).toBe('failed')
    const finding = report.findings.find((f) => /IB representor/i.test(f.message))
    expect(finding?.message).toMatch(/enp8s0f0npf0vf0/)
    expect(finding?.message).toMatch(/enp8s0f0np0/)
  }, 120_000)

  it('reload-unwind fails and names the vanished ETH representor', async () => {
    const report = await run(suite.c, 'reload-unwind', { timeoutMs: 3_000 })
    expect(report.status).toBe('failed')
    expect(report.findings.map((f) => f.message).join('\n')).toMatch(/enp8s0f0npf0vf\d/)
    expect(report.findings.some((f) => /eth|ETH representor|vanish|missing/i.test(f.message))).toBe(
      true,
    )
  }, 120_000)

  it('mode-race finds the inconsistency or the splat within its default iterations', async () => {
    const report = await suite.c.engine.runDrill({
      hostId: 'sim-a',
      kind: 'mode-race',
      device: DEVICE,
      params: { timeoutMs: 3_000, stopOnFailure: true, vfs: 2 },
    })
    expect(report.status).toBe('failed')
    expect(
      report.findings.some((f) =>
        /splat|circular locking|inconsisten|without|missing/i.test(`${f.invariant} ${f.message}`),
      ),
    ).toBe(true)
  }, 180_000)
})

describe('two consoles on one device', () => {
  let rig: LabRig
  beforeAll(async () => {
    rig = await startRig({ hosts: 1, profile: 'fixed', speed: 0.02 })
  })
  afterAll(async () => rig?.stop())

  it('the second drill gets host-busy naming the holder', async () => {
    const a = await rig.console('sim-a', { user: 'alice', host: 'console-a' })
    const b = await rig.console('sim-a', { user: 'bob', host: 'console-b' })
    const first = await a.engine.startDrill({
      hostId: 'sim-a',
      kind: 'vf-churn',
      device: DEVICE,
      params,
    })
    await expect(
      b.engine.startDrill({ hostId: 'sim-a', kind: 'vf-churn', device: DEVICE, params }),
    ).rejects.toMatchObject({
      code: 'host-busy',
      message: expect.stringMatching(/pci\/0000:08:00\.0 locked by alice from console-a since/),
    })
    expect((await first.done).status).toBe('passed')
  }, 120_000)
})
