import { afterEach, describe, expect, it, vi } from 'vitest'

import { createWsClient, type SocketLike } from '../../../renderer/api/ws-client'

/** A scripted socket: records sent frames; the test drives open and close. */
class FakeSocket implements SocketLike {
  binaryType = 'blob'
  sent: string[] = []
  onopen: ((ev: unknown) => void) | null = null
  onclose: ((ev: { code?: number; reason?: string }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  send(data: string) {
    this.sent.push(data)
  }
  close() {
    this.onclose?.({ code: 1000 })
  }
}

// Issue 20: the page proves its session with the secret as each socket's first message, and a
// socket the server closes with 4401 (logged out, expired, refused) is not retried.
describe('ws-client session handling', () => {
  afterEach(() => void vi.useRealTimers())

  it('sends the session secret before anything else, then stops at a 4401 close', async () => {
    vi.useFakeTimers()
    const sockets: FakeSocket[] = []
    const client = createWsClient({
      url: 'ws://127.0.0.1:1/ws',
      makeSocket: () => {
        const s = new FakeSocket()
        sockets.push(s)
        return s
      },
      secret: () => 'S3CRET-secret-secret',
      baseDelayMs: 1,
      maxDelayMs: 1,
    })
    const ws = sockets[0]!
    ws.onopen?.({})
    const pending = client.api.hosts.list({})
    await vi.advanceTimersByTimeAsync(0)
    expect(JSON.parse(ws.sent[0] ?? '{}')).toEqual({ t: 'auth', secret: 'S3CRET-secret-secret' })
    expect(JSON.parse(ws.sent[1] ?? '{}')).toMatchObject({ t: 'call', channel: 'hosts:list' })
    ws.onclose?.({ code: 4401, reason: 'session expired after inactivity' })
    expect(await pending).toMatchObject({ ok: false, error: { code: 'io-error' } })
    expect(client.state()).toEqual({ state: 'ended', reason: 'session expired after inactivity' })
    await vi.advanceTimersByTimeAsync(60_000) // far past every retry delay
    expect(sockets).toHaveLength(1)
    expect(await client.api.hosts.list({})).toMatchObject({
      ok: false,
      error: { code: 'io-error' },
    })
  })
})
