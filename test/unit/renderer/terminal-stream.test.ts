import { describe, expect, it } from 'vitest'

import type { LabApi } from '../../../contract/api'
import { installLab } from '../../../renderer/api/lab'
import { buildLabApi } from '../../../renderer/api/lab-api-builder'
import { createTerminalPortClient, type RendererPort } from '../../../renderer/api/terminal-port'
import { openTerminalStream } from '../../../renderer/api/terminal-stream'

/** A LabApi whose calls are answered by `answer` and whose events the test emits. */
function fakeLab(answer: (channel: string, request: unknown) => unknown) {
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  const calls: [string, unknown][] = []
  let release: () => void = () => {}
  const gate = new Promise<void>((r) => (release = r))
  const api: LabApi = buildLabApi(
    async (channel, request) => {
      calls.push([channel, request])
      if (channel === 'terminals:open') await gate
      return { ok: true, value: answer(channel, request) }
    },
    (channel, l) => {
      const set = listeners.get(channel) ?? new Set()
      set.add(l)
      listeners.set(channel, set)
      return () => set.delete(l)
    },
  )
  const emit = (channel: string, payload: unknown) =>
    listeners.get(channel)?.forEach((l) => l(payload))
  return { api, calls, emit, release, listeners }
}

const bytes = (s: string) => new TextEncoder().encode(s)

describe('terminal streams', () => {
  it('delivers data that arrives before the open call returns, in order, and only its own', async () => {
    const lab = fakeLab((ch) => (ch === 'terminals:open' ? { streamId: 's1' } : { ok: true }))
    installLab(lab.api)
    const got: string[] = []
    const statuses: unknown[] = []
    const opening = openTerminalStream(
      { hostId: 'lab-01', kind: 'trace', cols: 80, rows: 24 },
      {
        data: (b) => got.push(new TextDecoder().decode(b)),
        status: (...a) => statuses.push(a),
      },
    )
    lab.emit('terminals:data', { streamId: 's1', seq: 0, data: bytes('early ') })
    lab.emit('terminals:data', { streamId: 's9', seq: 0, data: bytes('other ') })
    lab.release()
    const stream = await opening
    lab.emit('terminals:data', { streamId: 's1', seq: 1, data: bytes('late') })
    expect(got.join('')).toBe('early late')
    lab.emit('terminals:status', { streamId: 's1', state: 'open', linesSent: 9, linesAcked: 7 })
    lab.emit('terminals:status', { streamId: 's1', state: 'parked', message: 'host rebooted' })
    expect(statuses).toEqual([
      ['open', undefined, { sent: 9, acked: 7 }],
      ['parked', 'host rebooted', undefined],
    ])
    stream.ack(100_000, 42)
    stream.interrupt()
    stream.resize(100, 40)
    stream.close()
    stream.dispose()
    expect(lab.calls.map(([c]) => c)).toEqual([
      'terminals:open',
      'terminals:ack',
      'terminals:interrupt',
      'terminals:resize',
      'terminals:close',
    ])
    expect(lab.calls[1]?.[1]).toEqual({ streamId: 's1', bytes: 100_000, lines: 42 })
    expect(lab.listeners.get('terminals:data')?.size).toBe(0)
  })

  it('unsubscribes and throws a LabError when the open is refused', async () => {
    const listeners = new Map<string, Set<(p: unknown) => void>>()
    installLab(
      buildLabApi(
        async () => ({ ok: false, error: { code: 'read-only', message: 'lab-02 is read-only' } }),
        (channel, l) => {
          const set = listeners.get(channel) ?? new Set()
          set.add(l)
          listeners.set(channel, set)
          return () => set.delete(l)
        },
      ),
    )
    const err = await openTerminalStream(
      { hostId: 'lab-02', kind: 'shell', cols: 80, rows: 24 },
      { data: () => {}, status: () => {} },
    ).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'LabError', code: 'read-only' })
    expect(listeners.get('terminals:data')?.size).toBe(0)
    expect(listeners.get('terminals:status')?.size).toBe(0)
  })

  it('listens on the one channel main chose (the port here) and acks over it', async () => {
    const lab = fakeLab((ch) =>
      ch === 'terminals:open' ? { streamId: 's1', via: 'port' } : { ok: true },
    )
    installLab(lab.api)
    const posted: unknown[] = []
    let deliver: (event: { data: unknown }) => void = () => {}
    const fakePort: RendererPort = {
      postMessage: (m) => posted.push(m),
      addEventListener: (_t, l) => (deliver = l),
      removeEventListener: () => {},
      start: () => {},
      close: () => {},
    }
    const port = createTerminalPortClient()
    port.connect(fakePort)
    const got: string[] = []
    const opening = openTerminalStream(
      { hostId: 'lab-01', kind: 'trace', cols: 80, rows: 24 },
      { data: (b) => got.push(new TextDecoder().decode(b)), status: () => {} },
      port,
    )
    deliver({ data: { t: 'data', streamId: 's1', seq: 0, data: bytes('early ') } })
    lab.release()
    const stream = await opening
    expect(stream.via).toBe('port')
    lab.emit('terminals:data', { streamId: 's1', seq: 1, data: bytes('not-this-way ') })
    deliver({ data: { t: 'data', streamId: 's1', seq: 1, data: bytes('late') } })
    expect(got.join('')).toBe('early late')
    stream.ack(1000, 3)
    stream.interrupt()
    expect(posted).toEqual([
      { t: 'hello' },
      { t: 'ack', streamId: 's1', bytes: 1000, lines: 3 },
      { t: 'interrupt', streamId: 's1' },
    ])
    expect(lab.calls.map(([c]) => c)).toEqual(['terminals:open'])
    expect(lab.listeners.get('terminals:data')?.size).toBe(0)
    stream.dispose()
  })
})
