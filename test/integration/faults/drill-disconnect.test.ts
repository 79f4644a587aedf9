import { describe, expect, it } from 'vitest'

import type { DrillKind, DrillReport } from '../../../contract'
import { drillWithFault, pfState, reportText, type PfState } from '../../helpers/fault-drill'
import { useLabConsole, type LabSuite } from '../../helpers/lab-engine'

// Issue 9, faults: the SSH connection drops (labsim closes every session) in the middle of each
// kind of drill step. The engine reports progress when a step ends, so the drop is fired at the
// end of the step *before* the one under test and lands while that step (or the snapshot read
// that prepares it) runs. The console reconnects, the drill re-discovers the host and restores,
// the PF is left as it was found and the report says so.

const cases: Array<{ step: string; kind: DrillKind; before: RegExp; next: string }> = [
  { step: 'E-Switch mode change', kind: 'pf-rebind', before: /^bind PF/, next: 'restore mode' },
  { step: 'VF count change', kind: 'vf-churn', before: /^vf count 1/, next: 'vf count 0' },
  { step: 'PF unbind', kind: 'pf-rebind', before: /^vf count 1/, next: 'unbind PF' },
  { step: 'PF bind', kind: 'pf-rebind', before: /^everything gone/, next: 'bind PF' },
  { step: 'mlx5_ib reload', kind: 'late-ib-reps', before: /^vf count 1/, next: 'unload mlx5_ib' },
  {
    step: 'devlink reload',
    kind: 'reload-unwind',
    before: /^inject IB rep/,
    next: 'devlink reload',
  },
  { step: 'VF reset', kind: 'vf-reset-isolation', before: /^vf count 1/, next: 'reset VF' },
]

/**
 * Records the PF state, runs `kind` with every SSH session of sim-a dropped when the step
 * matching `before` ends, and checks the drop fired. `text` is the flattened report.
 */
async function dropDuring(
  suite: LabSuite,
  kind: DrillKind,
  before: RegExp,
): Promise<{ start: PfState; report: DrillReport; text: string }> {
  const start = pfState(suite.rig)
  const host = suite.rig.lab.host('sim-a')
  const { report, fired } = await drillWithFault(suite.c, kind, before, () => host.disconnectAll())
  const text = reportText(report)
  expect(fired, text).toBe(true)
  return { start, report, text }
}

describe('SSH drops mid-step', () => {
  const suite = useLabConsole({ hosts: 1, profile: 'fixed', speed: 0.02 })

  for (const { step, kind, before } of cases) {
    it(`${kind}: a drop during "${step}" reconnects and restores`, async () => {
      const { start, report, text } = await dropDuring(suite, kind, before)
      // Ended (no hang, no throw), not as a pass that hides the drop, and the PF is as found.
      expect(['passed', 'failed', 'error']).toContain(report.status)
      expect(pfState(suite.rig), text).toEqual(start)
      // The console is connected again and answers.
      expect((await suite.c.conn.exec('true', { timeoutMs: 10_000 })).code).toBe(0)
      // The report records the failure (the PF check above proves the restore).
      if (report.status !== 'passed') {
        expect(
          report.findings.some((f) => f.severity === 'error'),
          text,
        ).toBe(true)
      }
    }, 60_000)
  }
})

// A lab of its own: an earlier case can leave labsim's one-shot `ib-rep-load-fail` armed (the drop
// lands before reload-unwind's reload consumes it, and labsim has no way to disarm it), which
// would fail this drill's "vf count 1" before the drop.
describe('SSH drop report', () => {
  const suite = useLabConsole({ hosts: 1, profile: 'fixed', speed: 0.02 })

  it('the report names the interrupted step and the lost connection', async () => {
    const { step, kind, before, next } = cases[1]!
    const { start, report, text } = await dropDuring(suite, kind, before)
    expect(
      report.steps.some((s) => s.name.startsWith(next) && s.status === 'error'),
      step,
    ).toBe(true)
    expect(text).toMatch(/connection (lost|dropped)|disconnected/i)
    // The finding sits on the interrupted step and says the console got the host back.
    const lost = report.findings.find((f) => f.invariant === 'connection-lost')
    expect(lost?.step, text).toBe(next)
    expect(lost?.message, text).toMatch(/reconnected and re-discovered after \d+ ms/)
    // A lost connection is the drill's error, not the kernel's failure; the PF is restored.
    expect(report.status, text).toBe('error')
    expect(report.steps.filter((s) => s.name.startsWith('restore ')).length, text).toBeGreaterThan(
      0,
    )
    expect(pfState(suite.rig), text).toEqual(start)
  }, 60_000)
})
