import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { poll } from '../../helpers/poll'
import { startTerminalRig, type TerminalRig } from '../../helpers/terminal-rig'

// Issue 8 on the real path minus the browser (labsim → SSH → main → session sink, acking like
// xterm's write callback would): panes survive a host reboot, a PCI unbind/bind and a fatal
// recovery with marker lines and a re-armed tracer; notable lines are highlighted and linked to
// the drill step that ran. (Ctrl-C: terminals-ctrlc.test.ts.)

describe('terminal panes on labsim', () => {
  let rig: TerminalRig

  beforeAll(async () => {
    rig = await startTerminalRig({ hosts: 1, speed: 0.02 })
    await rig.call('hosts:connect', { hostId: 'sim-a' })
  })
  afterAll(async () => {
    await rig?.close()
  })

  it('a trace pane parks on a reboot, reconnects, re-arms the tracer and says so', async () => {
    await rig.call('ops:run', {
      hostId: 'sim-a',
      request: { op: 'fw-tracer', enable: true, path: 'upstream' },
      confirmed: true,
    })
    const { streamId } = await rig.call<{ streamId: string }>('terminals:open', {
      hostId: 'sim-a',
      kind: 'trace',
    })
    const text = (): string => rig.session.text(streamId)
    await rig.call('ops:run', {
      hostId: 'sim-a',
      request: { op: 'vf-count', device: 'pci/0000:08:00.0', count: 1 },
      confirmed: true,
    })
    await rig.until('mlx5_fw lines', () => text().includes('mlx5_fw'), 30_000, streamId)
    const bootBefore = rig.lab.host('sim-a').state().bootId
    await rig.lab.host('sim-a').restart()
    expect(rig.lab.host('sim-a').state().bootId).not.toBe(bootBefore)
    // A real boot comes up with the trace event disabled (labsim enables it by default for demos).
    rig.lab.host('sim-a').kernel.tracing.mlx5Fw = false
    await rig.until('the parked marker', () => /--- parked: /.test(text()), 30_000, streamId)
    await rig.until(
      'the resumed marker',
      () => /--- resumed after: .*tracer re-armed/.test(text()),
      60_000,
      streamId,
    )
    expect(rig.session.statuses.filter((s) => s.streamId === streamId).map((s) => s.state)).toEqual(
      expect.arrayContaining(['open', 'parked']),
    )
    // The re-armed tracer streams again after the reboot.
    const mark = text().lastIndexOf('resumed after')
    await rig.call('ops:run', {
      hostId: 'sim-a',
      request: { op: 'vf-count', device: 'pci/0000:08:00.0', count: 1 },
      confirmed: true,
    })
    await rig.until(
      'trace lines after the reboot',
      () => text().slice(mark).includes('mlx5_fw'),
      30_000,
      streamId,
    )
    await rig.call('terminals:close', { streamId })
  }, 120_000)

  async function drill(kind: string): Promise<{ runId: string; status: string; steps: string[] }> {
    const request = {
      hostId: 'sim-a',
      kind,
      device: 'pci/0000:08:00.0',
      params: { iterations: 1, stepTimeoutMs: 20_000, vfs: 1 },
      confirmed: true,
    }
    // The previous drill's device lock is released just after its report is final: retry
    // host-busy for a moment.
    const { runId } = await poll(() => rig.call<{ runId: string }>('drills:start', request), {
      timeoutMs: 10_000,
      intervalMs: 100,
      what: `the ${kind} drill to start (host-busy until the last one released the device)`,
    })
    // The run's journal appears shortly after start: not-found until then.
    const report = await poll(
      async () => {
        const r = await rig.call<{ status: string; steps: Array<{ name: string }> }>(
          'drills:report',
          { runId },
        )
        return r.status !== 'running' && r
      },
      { timeoutMs: 120_000, intervalMs: 100, what: `drill ${runId} to finish` },
    )
    return { runId, status: report.status, steps: report.steps.map((st) => st.name) }
  }

  it('trace and dmesg panes park and resume around a PCI unbind/bind, with markers', async () => {
    const opened = await Promise.all(
      (['trace', 'dmesg'] as const).map((kind) =>
        rig.call<{ streamId: string }>('terminals:open', { hostId: 'sim-a', kind }),
      ),
    )
    // What both panes showed (a marker may land in either).
    const text = (): string => opened.map((o) => rig.session.text(o.streamId)).join('\n')
    const run = await drill('pf-rebind')
    expect(run.status, run.steps.join(', ')).toBe('passed')
    await rig.until(
      'the resumed-after-bind marker',
      () => /resumed after bind of/.test(text()),
      30_000,
      opened[1]?.streamId,
    )
    expect(text()).toMatch(
      /--- parked: unbind of pci\/0000:08:00\.0 expected to drop the device ---/,
    )
    expect(text()).toMatch(/--- resumed after unbind of pci\/0000:08:00\.0: stream kept/)
    expect(text()).toMatch(/--- parked: bind of pci\/0000:08:00\.0 expected/)
    // The step markers name the drill, and link to the step (OSC 8).
    expect(text()).toMatch(
      new RegExp(
        `\\x1b\\]8;;replab://drill/${run.runId}/step/\\d+\\x1b\\\\\\x1b\\[7m--- drill pf-rebind`,
      ),
    )
    for (const { streamId } of opened) {
      const states = rig.session.statuses.filter((st) => st.streamId === streamId)
      expect(states.map((st) => st.state)).toContain('parked')
      expect(states.at(-1)?.state).toBe('open')
      await rig.call('terminals:close', { streamId })
    }
  }, 180_000)

  it('a fatal recovery parks the panes, and its kernel lines are highlighted and linked', async () => {
    const { streamId } = await rig.call<{ streamId: string }>('terminals:open', {
      hostId: 'sim-a',
      kind: 'dmesg',
    })
    const run = await drill('fatal-recovery')
    expect(run.status, run.steps.join(', ')).toBe('passed')
    const text = rig.session.text(streamId)
    expect(text).toMatch(/--- parked: firmware fatal error injected on pci\/0000:08:00\.0 expected/)
    await rig.until(
      'the resumed marker',
      () => /resumed after firmware fatal error/.test(rig.session.text(streamId)),
      30_000,
      streamId,
    )
    // `Fatal error N detected` in bold red, `health recovery` in magenta, each inside a link to
    // a step of this run.
    const link = `\x1b]8;;replab://drill/${run.runId}/step/`
    expect(text).toMatch(
      new RegExp(`${escape(link)}\\d+\x1b\\\\\x1b\\[1;31m[^\\n]*Fatal error \\d+ detected`),
    )
    expect(text).toMatch(
      new RegExp(`${escape(link)}\\d+\x1b\\\\\x1b\\[1;35m[^\\n]*health recovery succeeded`),
    )
    await rig.call('terminals:close', { streamId })
  }, 180_000)
})

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
