import { describe, expect, it } from 'vitest'

import type { DrillKind, DrillReport } from '../../../contract'
import { useLabConsole } from '../../helpers/lab-engine'

// labsim's netdevsim10 driven by the same drills as the real-kernel suite (test/realkernel/
// drills.test.ts), with the same expectations: where labsim and the kernel disagreed (a failed
// reload that kept the instance up), labsim was fixed to match the kernel. Each drill passes and
// puts back what it changed.
const NSIM = 'netdevsim/netdevsim10'

describe('drills on labsim netdevsim agree with the real kernel', () => {
  const suite = useLabConsole({ hosts: 1, profile: 'fixed', speed: 0.02 })

  const state = () => {
    const sim = suite.rig.lab.host('sim-a').state().netdevsim
    return { mode: sim?.mode, numvfs: sim?.numVfs }
  }
  const run = async (kind: DrillKind, params: Record<string, unknown>): Promise<DrillReport> => {
    const before = state()
    const report = await suite.c.engine.runDrill({
      hostId: 'sim-a',
      kind,
      device: NSIM,
      params: { iterations: 1, timeoutMs: 20_000, stopOnFailure: false, vfs: 2, ...params },
    })
    expect(report.status, JSON.stringify(report.findings, null, 1)).toBe('passed')
    expect(state()).toEqual(before)
    return report
  }

  it.each([
    ['vf-churn', { vfsAlt: 3 }],
    ['mode-race', { iterations: 2 }],
    ['pf-rebind', {}],
    ['fatal-recovery', {}],
    ['reload-unwind', {}],
  ] as const)(
    '%s passes and restores',
    async (kind, params) => {
      await run(kind, params)
    },
    120_000,
  )

  it('late-ib-reps and vf-reset-isolation are not-applicable, with the reason', async () => {
    for (const kind of ['late-ib-reps', 'vf-reset-isolation'] as const) {
      const report = await suite.c.engine.runDrill({
        hostId: 'sim-a',
        kind,
        device: NSIM,
        params: { iterations: 1, timeoutMs: 20_000, stopOnFailure: false, vfs: 2 },
      })
      expect(report.status).toBe('not-applicable')
      expect(report.findings[0]?.message).toMatch(/not applicable: .*netdevsim/)
    }
  })
})
