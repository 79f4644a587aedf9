import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startLab, type Lab } from '../../../labsim'
import { createBackend, type Backend } from '../../../main/service/backend'

// Issue 8 on the real path minus the browser (labsim → SSH → main → session sink, acking like
// xterm's write callback would): panes survive a host reboot, a PCI unbind/bind and a fatal
// recovery with marker lines and a re-armed tracer; notable lines are highlighted and linked to
// the drill step that ran. (Ctrl-C: terminals-ctrlc.test.ts.)

interface Session {
  readonly text: () => string
  readonly statuses: Array<{ streamId: string; state: string; message?: string }>
  bytes: number
}

describe('terminal panes on labsim', () => {
  let lab: Lab
  let backend: Backend
  let dir: string
  const session: Session = { text: () => '', statuses: [], bytes: 0 }
  const ctx = { sessionId: 's1', signal: new AbortController().signal }

  async function call<T>(channel: string, request: unknown): Promise<T> {
    const r = await backend.dispatcher.dispatch(channel, request, ctx)
    if (!r.ok) throw new Error(`${channel}: ${r.error.code}: ${r.error.message}`)
    return r.value as T
  }

  async function until(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!predicate()) {
      if (Date.now() > deadline)
        throw new Error(
          `timed out waiting for ${what}; pane text tail: ${session.text().slice(-600)}`,
        )
      await new Promise((r) => setTimeout(r, 10))
    }
  }

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, speed: 0.02 })
    dir = await mkdtemp(join(tmpdir(), 'replab-term-'))
    backend = await createBackend({ dataDir: dir })
    await backend.addSimulatedHosts(lab.hosts)
    let text = ''
    backend.hub.attach({
      sessionId: 's1',
      send: (channel, payload) => {
        if (channel === 'terminals:status')
          session.statuses.push(payload as Session['statuses'][number])
      },
      sendData: (streamId, _seq, data) => {
        session.bytes += data.length
        text = (text + Buffer.from(data).toString('utf8')).slice(-200_000)
        void backend.dispatcher.dispatch('terminals:ack', { streamId, bytes: data.length }, ctx)
      },
    })
    Object.assign(session, { text: () => text })
    await call('hosts:connect', { hostId: 'sim-a' })
  })
  afterAll(async () => {
    await backend?.close()
    await lab?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('a trace pane parks on a reboot, reconnects, re-arms the tracer and says so', async () => {
    await call('ops:run', {
      hostId: 'sim-a',
      request: { op: 'fw-tracer', enable: true, path: 'upstream' },
      confirmed: true,
    })
    const { streamId } = await call<{ streamId: string }>('terminals:open', {
      hostId: 'sim-a',
      kind: 'trace',
    })
    await call('ops:run', {
      hostId: 'sim-a',
      request: { op: 'vf-count', device: 'pci/0000:08:00.0', count: 1 },
      confirmed: true,
    })
    await until('mlx5_fw lines', () => session.text().includes('mlx5_fw'))
    const bootBefore = lab.host('sim-a').state().bootId
    await lab.host('sim-a').restart()
    expect(lab.host('sim-a').state().bootId).not.toBe(bootBefore)
    // A real boot comes up with the trace event disabled (labsim enables it by default for demos).
    lab.host('sim-a').kernel.tracing.mlx5Fw = false
    await until('the parked marker', () => /--- parked: /.test(session.text()))
    await until(
      'the resumed marker',
      () => /--- resumed after: .*tracer re-armed/.test(session.text()),
      60_000,
    )
    expect(session.statuses.filter((s) => s.streamId === streamId).map((s) => s.state)).toEqual(
      expect.arrayContaining(['open', 'parked']),
    )
    // The re-armed tracer streams again after the reboot.
    const mark = session.text().lastIndexOf('resumed after')
    await call('ops:run', {
      hostId: 'sim-a',
      request: { op: 'vf-count', device: 'pci/0000:08:00.0', count: 1 },
      confirmed: true,
    })
    await until('trace lines after the reboot', () =>
      session.text().slice(mark).includes('mlx5_fw'),
    )
    await call('terminals:close', { streamId })
  }, 120_000)

  async function drill(kind: string): Promise<{ runId: string; status: string; steps: string[] }> {
    const request = {
      hostId: 'sim-a',
      kind,
      device: 'pci/0000:08:00.0',
      params: { iterations: 1, stepTimeoutMs: 20_000, vfs: 1 },
    }
    // The previous drill's device lock is released just after its report is final: retry
    // host-busy for a moment.
    let runId = ''
    for (let i = 0; !runId; i++) {
      try {
        runId = (await call<{ runId: string }>('drills:start', request)).runId
      } catch (err) {
        if (i > 100 || !/host-busy/.test((err as Error).message)) throw err
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    let report = { status: 'running', steps: [] as Array<{ name: string }> }
    for (let i = 0; i < 1200 && report.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 100))
      // The run's journal appears shortly after start: not-found until then.
      report = await call<typeof report>('drills:report', { runId }).catch(() => report)
    }
    return { runId, status: report.status, steps: report.steps.map((st) => st.name) }
  }

  it('trace and dmesg panes park and resume around a PCI unbind/bind, with markers', async () => {
    const opened = await Promise.all(
      (['trace', 'dmesg'] as const).map((kind) =>
        call<{ streamId: string }>('terminals:open', { hostId: 'sim-a', kind }),
      ),
    )
    const from = session.text().length
    const run = await drill('pf-rebind')
    expect(run.status, run.steps.join(', ')).toBe('passed')
    const text = (): string => session.text().slice(Math.max(0, from - 200_000))
    await until('the resumed-after-bind marker', () => /resumed after PCI bind of/.test(text()))
    expect(text()).toMatch(
      /--- parked: PCI unbind of 0000:08:00\.0 expected to drop the device ---/,
    )
    expect(text()).toMatch(/--- resumed after PCI unbind of 0000:08:00\.0: stream kept/)
    expect(text()).toMatch(/--- parked: PCI bind of 0000:08:00\.0 to mlx5_core expected/)
    // The step markers name the drill, and link to the step (OSC 8).
    expect(text()).toMatch(
      new RegExp(
        `\\x1b\\]8;;replab://drill/${run.runId}/step/\\d+\\x1b\\\\\\x1b\\[7m--- drill pf-rebind`,
      ),
    )
    for (const { streamId } of opened) {
      const states = session.statuses.filter((st) => st.streamId === streamId)
      expect(states.map((st) => st.state)).toContain('parked')
      expect(states.at(-1)?.state).toBe('open')
      await call('terminals:close', { streamId })
    }
  }, 180_000)

  it('a fatal recovery parks the panes, and its kernel lines are highlighted and linked', async () => {
    const { streamId } = await call<{ streamId: string }>('terminals:open', {
      hostId: 'sim-a',
      kind: 'dmesg',
    })
    const run = await drill('fatal-recovery')
    expect(run.status, run.steps.join(', ')).toBe('passed')
    const text = session.text()
    expect(text).toMatch(/--- parked: firmware fatal error injected on pci\/0000:08:00\.0 expected/)
    await until('the resumed marker', () =>
      /resumed after firmware fatal error/.test(session.text()),
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
    await call('terminals:close', { streamId })
  }, 180_000)
})

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
