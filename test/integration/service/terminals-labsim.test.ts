import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startLab, type Lab } from '../../../labsim'
import { createBackend, type Backend } from '../../../main/service/backend'

// Issue 8 on the real path minus the browser (labsim → SSH → main → session sink, acking like
// xterm's write callback would): panes survive a dropped connection and a host reboot with
// marker lines and a re-armed tracer, and Ctrl-C stops a flooding command quickly.

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
})
