import { describe, expect, it } from 'vitest'

import { LabError } from '../../../contract/errors'
import { encodeDataFrame } from '../../../contract/wire'
import { backoffMs, createWsClient, type SocketLike } from '../../../renderer/api/ws-client'
import { call, unwrap } from '../../../renderer/api/unwrap'
import { decodeText } from '../../../renderer/api/wire-decode'

/** A scripted socket: records sent frames; the test drives open/message/close. */
class FakeSocket implements SocketLike {
  binaryType = 'blob'
  sent: string[] = []
  closed = false
  onopen: ((ev: unknown) => void) | null = null
  onclose: ((ev: { code?: number; reason?: string }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  send(data: string) {
    this.sent.push(data)
  }
  close() {
    this.closed = true
    this.onclose?.({ code: 1000 })
  }
  lastCall(): { id: number; channel: string; request: unknown } {
    return JSON.parse(this.sent.at(-1) ?? 'null') as {
      id: number
      channel: string
      request: unknown
    }
  }
}

function setup(opts: { openTimeoutMs?: number } = {}) {
  const sockets: FakeSocket[] = []
  const client = createWsClient({
    url: 'ws://127.0.0.1:1/ws',
    makeSocket: () => {
      const s = new FakeSocket()
      sockets.push(s)
      return s
    },
    baseDelayMs: 1,
    maxDelayMs: 5,
    openTimeoutMs: opts.openTimeoutMs ?? 1_000,
  })
  return { client, sockets, socket: () => sockets.at(-1) as FakeSocket }
}

const hostView = {
  config: {
    id: 'lab-01',
    name: 'lab-01',
    host: '127.0.0.1',
    port: 22,
    user: 'root',
    readOnly: false,
    simulated: true,
  },
  connection: { state: 'idle' },
}

describe('WebSocket client built from the contract', () => {
  it('sends a ClientMessage per call on the contract channel and resolves with the validated value', async () => {
    const { client, socket } = setup()
    socket().onopen?.({})
    const pending = client.api.hosts.connect({ hostId: 'lab-01' })
    await Promise.resolve()
    const sent = socket().lastCall()
    expect(sent).toMatchObject({
      t: 'call',
      channel: 'hosts:connect',
      request: { hostId: 'lab-01' },
    })
    expect(socket().binaryType).toBe('arraybuffer')
    socket().onmessage?.({
      data: JSON.stringify({ t: 'result', id: sent.id, result: { ok: true, value: hostView } }),
    })
    const view = unwrap(await pending)
    expect(view.config.id).toBe('lab-01')
  })

  it('turns an error result into a thrown LabError with code and host', async () => {
    const { client, socket } = setup()
    socket().onopen?.({})
    const pending = call(client.api.hosts.connect({ hostId: 'lab-01' }))
    await Promise.resolve()
    const { id } = socket().lastCall()
    const error = { code: 'ssh-auth', message: 'all auth methods failed', host: 'root@10.0.0.5:22' }
    socket().onmessage?.({
      data: JSON.stringify({ t: 'result', id, result: { ok: false, error } }),
    })
    const err = await pending.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LabError)
    expect((err as LabError).code).toBe('ssh-auth')
    expect((err as LabError).data.host).toBe('root@10.0.0.5:22')
  })

  it('reports a response that breaks the contract as an internal error, not a crash', async () => {
    const { client, socket } = setup()
    socket().onopen?.({})
    const pending = client.api.hosts.list({})
    await Promise.resolve()
    const { id } = socket().lastCall()
    socket().onmessage?.({
      data: JSON.stringify({ t: 'result', id, result: { ok: true, value: [{ bogus: 1 }] } }),
    })
    const r = await pending
    expect(r.ok).toBe(false)
    if (!r.ok)
      expect(r.error).toMatchObject({
        code: 'internal',
        message: expect.stringContaining('hosts:list'),
      })
  })
})

describe('WebSocket client events', () => {
  it('delivers validated events and drops malformed frames', () => {
    const { client, socket } = setup()
    const seen: unknown[] = []
    const off = client.api.events.hostsChanged((h) => seen.push(h))
    socket().onmessage?.({ data: '{not json' })
    socket().onmessage?.({
      data: JSON.stringify({ t: 'event', channel: 'hosts:changed', payload: [{ nope: true }] }),
    })
    socket().onmessage?.({
      data: JSON.stringify({ t: 'event', channel: 'hosts:changed', payload: [hostView] }),
    })
    off()
    socket().onmessage?.({
      data: JSON.stringify({ t: 'event', channel: 'hosts:changed', payload: [hostView] }),
    })
    expect(seen).toHaveLength(1)
  })

  it('decodes binary frames into terminals.data events with the raw bytes', () => {
    const { client, socket } = setup()
    const got: { streamId: string; seq: number; data: Uint8Array }[] = []
    client.api.events.terminalData((d) => got.push(d))
    const payload = new Uint8Array([0x6d, 0x6c, 0x78, 0x0a, 0xff])
    const frame = encodeDataFrame({ streamId: 's1', seq: 7 }, payload)
    socket().onmessage?.({
      data: frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength),
    })
    socket().onmessage?.({ data: new Uint8Array([0, 0, 0, 200, 1]).buffer })
    expect(got).toHaveLength(1)
    expect(got[0]?.streamId).toBe('s1')
    expect(got[0]?.seq).toBe(7)
    expect([...(got[0]?.data ?? [])]).toEqual([...payload])
  })
})

describe('WebSocket client connection handling', () => {
  it('fails calls in flight with io-error when the socket drops, then reconnects with backoff', async () => {
    const { client, sockets, socket } = setup()
    const states: string[] = []
    client.onState((s) => states.push(s.state))
    socket().onopen?.({})
    const pending = client.api.hosts.list({})
    await Promise.resolve()
    socket().onclose?.({ code: 1006, reason: '' })
    const r = await pending
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.code).toBe('io-error')
    const s = client.state()
    expect(s.state).toBe('closed')
    if (s.state === 'closed') expect(s.reason).toContain('1006')
    await expect.poll(() => sockets.length).toBe(2)
    expect(states).toEqual(['open', 'closed', 'connecting'])
    client.close()
  })

  it('queues a call made while connecting and sends it once the socket opens', async () => {
    const { client, socket } = setup()
    const pending = client.api.drills.list({})
    await Promise.resolve()
    expect(socket().sent).toHaveLength(0)
    socket().onopen?.({})
    await expect.poll(() => socket().sent.length).toBe(1)
    const { id } = socket().lastCall()
    socket().onmessage?.({
      data: JSON.stringify({ t: 'result', id, result: { ok: true, value: [] } }),
    })
    expect(unwrap(await pending)).toEqual([])
  })

  it('gives up with io-error when the server stays unreachable', async () => {
    const { client } = setup({ openTimeoutMs: 20 })
    const r = await client.api.hosts.list({})
    expect(r.ok).toBe(false)
    if (!r.ok)
      expect(r.error).toMatchObject({
        code: 'io-error',
        message: expect.stringContaining('hosts:list'),
      })
    client.close()
  })

  it('caps the backoff', () => {
    expect(backoffMs(0)).toBe(250)
    expect(backoffMs(3)).toBe(2_000)
    expect(backoffMs(40)).toBe(10_000)
  })

  it('ignores results for unknown ids and non-ServerMessage text', () => {
    expect(decodeText('{"t":"nope"}', () => undefined).kind).toBe('ignored')
    const r = decodeText('{"t":"result","id":99,"result":{"ok":true,"value":1}}', () => undefined)
    expect(r).toEqual({ kind: 'result', id: 99, result: { ok: true, value: 1 } })
  })
})

describe('Retry now during the socket backoff', () => {
  it('reconnects at once instead of at the scheduled time, and only when closed', () => {
    const sockets: FakeSocket[] = []
    const client = createWsClient({
      url: 'ws://127.0.0.1:1/ws',
      makeSocket: () => {
        const s = new FakeSocket()
        sockets.push(s)
        return s
      },
      baseDelayMs: 60_000,
      maxDelayMs: 60_000,
    })
    sockets[0]!.onopen?.({})
    client.retryNow()
    expect(sockets).toHaveLength(1)
    sockets[0]!.onclose?.({ code: 1006 })
    expect(client.state()).toMatchObject({ state: 'closed', retryInMs: 60_000 })
    client.retryNow()
    expect(sockets).toHaveLength(2)
    expect(client.state()).toMatchObject({ state: 'connecting' })
    client.close()
  })
})
