import { afterEach, describe, expect, it } from 'vitest'

import { TERMINAL_PORT_TAG } from '../../../contract'
import {
  createTerminalPortClient,
  listenForTerminalPort,
  type PortEvent,
  type PortMilestone,
  type PortSource,
  type TerminalPortClient,
} from '../../../renderer/api/terminal-port'

// The page's end of the terminal port on a real (Node) MessageChannel: which window messages
// hand it over, what the client says and what it passes on. The whole path over SSH is in
// test/integration/service/terminal-port.test.ts.

/** A window stand-in that records its `message` listener so the test can dispatch events. */
function fakeWindow(): PortSource & { dispatch(event: PortEvent): void } {
  const listeners = new Set<(event: PortEvent) => void>()
  return {
    addEventListener: (_type, l) => void listeners.add(l),
    removeEventListener: (_type, l) => void listeners.delete(l),
    dispatch: (event) => listeners.forEach((l) => l(event)),
  }
}

/** The next `n` messages arriving on `port`. */
function received(port: MessagePort, n: number): Promise<unknown[]> {
  const got: unknown[] = []
  return new Promise((resolve) => {
    port.onmessage = (e) => {
      got.push(e.data)
      if (got.length === n) resolve(got)
    }
  })
}

const ORIGIN = 'app://replab'
const opened: Array<MessagePort | TerminalPortClient> = []
afterEach(() => opened.splice(0).forEach((p) => p.close()))

describe('terminal port, page side', () => {
  it('takes the port only from its own window, same origin, with the tag', async () => {
    const win = fakeWindow()
    const self = {}
    const client = createTerminalPortClient()
    const stop = listenForTerminalPort(win, self, ORIGIN, client)
    const { port1, port2 } = new MessageChannel()
    opened.push(port1, client)
    const good: PortEvent = {
      source: self,
      origin: ORIGIN,
      data: TERMINAL_PORT_TAG,
      ports: [port2],
    }
    for (const bad of [
      { ...good, source: {} },
      { ...good, source: null },
      { ...good, origin: 'http://127.0.0.1:1234' },
      { ...good, data: 'replab:other' },
      { ...good, data: { tag: TERMINAL_PORT_TAG } },
      { ...good, ports: [] },
    ]) {
      win.dispatch(bad)
      expect(client.connected()).toBe(false)
    }
    expect(client.ack('t-1', 1, 0)).toBe(false)
    const hello = received(port1, 1)
    win.dispatch(good)
    expect(client.connected()).toBe(true)
    expect(await hello).toEqual([{ t: 'hello' }])
    stop()
  })

  it('passes on valid data and status in order, ignores the rest, and sends acks/input/Ctrl-C', async () => {
    const milestones: PortMilestone[] = []
    const client = createTerminalPortClient((m) => milestones.push(m))
    const { port1, port2 } = new MessageChannel()
    opened.push(port1, client)
    const fromPage = received(port1, 4)
    client.connect(port2)
    const got: unknown[] = []
    client.onData((d) => got.push(['data', d.streamId, d.seq, new TextDecoder().decode(d.data)]))
    client.onStatus((s) => got.push(['status', s.streamId, s.state]))
    const done = new Promise<void>((resolve) =>
      client.onStatus((s) => s.state === 'closed' && resolve()),
    )
    for (const msg of [
      { t: 'data', streamId: 't-1', seq: 0, data: new TextEncoder().encode('a\n') },
      { t: 'data', streamId: 't-1', seq: 1, data: 'not bytes' },
      { t: 'status', streamId: 't-1', state: 'exploded' },
      { t: 'data', streamId: 't-1', seq: 1, data: new TextEncoder().encode('b\n') },
      null,
      { t: 'status', streamId: 't-1', state: 'closed', linesSent: 2, linesAcked: 2 },
    ])
      port1.postMessage(msg)
    await done
    expect(got).toEqual([
      ['data', 't-1', 0, 'a\n'],
      ['data', 't-1', 1, 'b\n'],
      ['status', 't-1', 'closed'],
    ])
    expect(milestones).toEqual(['connected', 'data'])
    expect(client.ack('t-1', 4, 2)).toBe(true)
    expect(client.input('t-1', 'ls\r')).toBe(true)
    expect(client.interrupt('t-1')).toBe(true)
    expect(await fromPage).toEqual([
      { t: 'hello' },
      { t: 'ack', streamId: 't-1', bytes: 4, lines: 2 },
      { t: 'input', streamId: 't-1', data: 'ls\r' },
      { t: 'interrupt', streamId: 't-1' },
    ])
    client.close()
    expect(client.connected()).toBe(false)
    expect(client.input('t-1', 'x')).toBe(false)
  })
})
