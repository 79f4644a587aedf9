import { describe, expect, it } from 'vitest'

import { DrillSteps } from '../../../main/service/drill-steps'
import { LineHighlighter } from '../../../main/service/terminal-highlight'

const A = 'pci/0000:08:00.0'
const B = 'pci/0000:08:00.1'

describe('DrillSteps: which drill step a terminal line links to', () => {
  it('links every line of a host to its only running drill, and nothing once it ends', () => {
    const s = new DrillSteps()
    expect(s.stepFor('h1', 'anything')).toBeNull()
    s.set('h1', 'r1', { runId: 'r1', step: 0 }, A)
    s.set('h1', 'r1', { runId: 'r1', step: 1 }, A)
    expect(s.stepFor('h1', 'kernel: unrelated line')).toEqual({ runId: 'r1', step: 1 })
    expect(s.stepFor('h2', 'other host')).toBeNull()
    s.set('h1', 'r1', null)
    expect(s.stepFor('h1', 'after the drill')).toBeNull()
  })

  it('with two drills on one host, a line goes to the drill whose PCI device it names', () => {
    const s = new DrillSteps()
    s.set('h1', 'ra', { runId: 'ra', step: 3 }, A)
    s.set('h1', 'rb', { runId: 'rb', step: 7 }, B)
    // dmesg (dev_printk) and trace_pipe (mlx5_fw TP_printk) spellings, upper-case hex too.
    expect(s.stepFor('h1', 'mlx5_core 0000:08:00.0: E-Switch: Enable: mode(OFFLOADS)')).toEqual({
      runId: 'ra',
      step: 3,
    })
    expect(
      s.stepFor('h1', 'kworker/u96:2 [003] 1.0: mlx5_fw: 0000:08:00.1 [0x1] 0 [0x0] x'),
    ).toEqual({ runId: 'rb', step: 7 })
    expect(s.stepFor('h1', 'mlx5_core 0000:08:00.0: Fatal error 1 detected')).toEqual({
      runId: 'ra',
      step: 3,
    })
    // A line naming neither device (a VF, another card, no address) goes to the latest step.
    expect(s.stepFor('h1', 'mlx5_core 0000:08:00.2: VF probe')).toEqual({ runId: 'rb', step: 7 })
    expect(s.stepFor('h1', 'WARNING: CPU: 3 PID: 1 at kernel/x.c:1')).toEqual({
      runId: 'rb',
      step: 7,
    })
    // A's next step starts: A is now the latest.
    s.set('h1', 'ra', { runId: 'ra', step: 4 }, A)
    expect(s.stepFor('h1', 'no address')).toEqual({ runId: 'ra', step: 4 })
    // B ends: every line goes to A again.
    s.set('h1', 'rb', null)
    expect(s.stepFor('h1', 'mlx5_core 0000:08:00.1: E-Switch: Disable')).toEqual({
      runId: 'ra',
      step: 4,
    })
  })

  it('a drill on a non-PCI devlink handle (an SF on the auxiliary bus) only gets unmatched lines', () => {
    const s = new DrillSteps()
    s.set('h1', 'sf', { runId: 'sf', step: 1 }, 'auxiliary/mlx5_core.sf.2')
    s.set('h1', 'pf', { runId: 'pf', step: 2 }, A)
    s.set('h1', 'sf', { runId: 'sf', step: 2 }, 'auxiliary/mlx5_core.sf.2')
    expect(s.stepFor('h1', 'mlx5_core 0000:08:00.0: health recovery')).toEqual({
      runId: 'pf',
      step: 2,
    })
    expect(s.stepFor('h1', 'mlx5_core.sf.2: link up')).toEqual({ runId: 'sf', step: 2 })
  })
})

describe('highlighted lines of two drills on one host link to their own run', () => {
  it("each E-Switch line's OSC 8 link names the drill of the PF it mentions", () => {
    const s = new DrillSteps()
    s.set('h1', 'ra', { runId: 'ra', step: 2 }, A)
    s.set('h1', 'rb', { runId: 'rb', step: 5 }, B)
    const h = new LineHighlighter((line) => s.stepFor('h1', line), true)
    const dmesg = [
      '[  10.1] mlx5_core 0000:08:00.0: E-Switch: Enable: mode(OFFLOADS), nvfs(2), active vports(3)',
      '[  10.2] mlx5_core 0000:08:00.1: E-Switch: Disable: mode(LEGACY), nvfs(0), active vports(1)',
      '',
    ].join('\n')
    const out = Buffer.from(h.push(Buffer.from(dmesg))).toString('latin1')
    const links = out
      .split('\x1b]8;;')
      .slice(1)
      .map((part) => part.slice(0, part.indexOf('\x1b\\')))
      .filter((uri) => uri !== '')
    expect(links).toEqual(['replab://drill/ra/step/2', 'replab://drill/rb/step/5'])
  })
})
