import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { FLOW } from '../../../contract'
import { startTerminalRig, type TerminalRig } from '../../helpers/terminal-rig'
import { openPortPage, type Pane, type PortPage } from './port-page'

// Issue 8: terminal data "the same over Electron IPC, where a MessagePort suits, and over the
// WebSocket". The Electron path minus Electron: labsim → SSH → TerminalManager → the session's
// TerminalSink → bindTerminalPort on a Node MessageChannel → the renderer's own modules
// (terminal-port.ts, terminal-stream.ts) on the other end, acking like xterm's write callback.
// (MessagePortMain and the DOM MessagePort carry the same structured clones.)

const HOST = 'sim-a'
const PROMPT = `root@${HOST}:~# `
/**
 * Bytes main may send past the high watermark before the pause bites: the chunk that crosses
 * it and what the 16 ms coalescer (≤256 KiB a flush) and ssh2 had in hand. Generous on purpose.
 */
const SLACK = 512 * 1024

/** Text without SGR sequences (main colours notable lines, e.g. mlx5_fw in cyan). */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '')
}

describe('terminal streams over a message port (issue 8)', () => {
  let rig: TerminalRig
  let page: PortPage

  beforeAll(async () => {
    rig = await startTerminalRig({ hosts: 1, speed: 0.02 })
    await rig.call('hosts:connect', { hostId: HOST })
    page = openPortPage(rig, 'ipc-port')
  })
  afterAll(async () => {
    page?.close()
    await rig?.close()
  })

  /** ~50 firmware trace events numbered from 0 every 2 ms (≈3 MB/s) until `stop()`. */
  function traceFlood(tag: string): { stop(): void; count(): number; readerBlocked(): boolean } {
    const kernel = rig.lab.host(HOST).kernel
    const pf = kernel.pfs[0]!
    let n = 0
    const timer = setInterval(() => {
      for (let i = 0; i < 50; i++) kernel.fwTrace(pf, `${tag} ${n++}`, 0x21)
    }, 2)
    return {
      stop: () => clearInterval(timer),
      count: () => n,
      readerBlocked: () => kernel.traceRead < kernel.trace.length,
    }
  }

  /** Waits until `pane` got nothing new for 300 ms. */
  async function quiet(pane: Pane): Promise<void> {
    let last = -1
    let since = Date.now()
    await rig.until('the stream to stand still', () => {
      if (pane.bytes() !== last) [last, since] = [pane.bytes(), Date.now()]
      return Date.now() - since >= 300
    })
  }

  it('a stream opened before the page said hello stays on the fallback; later ones use the port', async () => {
    const before = await page.open('dmesg')
    await rig.until('dmesg lines', () => before.lines() > 0)
    expect(page.fallback.get(before.stream.streamId)?.chunks).toBeGreaterThan(0)
    await page.connect()
    expect(page.milestones).toEqual(['connected'])
    const after = await page.open('dmesg')
    await rig.until('dmesg lines over the port', () => after.lines() > 0)
    expect(page.milestones).toEqual(['connected', 'data'])
    expect(page.fallback.get(after.stream.streamId)).toBeUndefined()
    // Main said which channel each stream uses, and the page listens on that one only.
    expect([before.stream.via, after.stream.via]).toEqual(['events', 'port'])
    // The older stream keeps its route (no reordering across two channels).
    rig.lab.host(HOST).kernel.printk('mlx5_core 0000:08:00.0: port-check')
    await rig.until('the new line on both', () =>
      [before, after].every((p) => p.text().includes('port-check')),
    )
    expect(page.fallback.get(after.stream.streamId)).toBeUndefined()
    // Main said which channel each stream uses, and the page listens on that one only.
    expect([before.stream.via, after.stream.via]).toEqual(['events', 'port'])
    // …and so do its acks: calls for the older stream, the port for the newer one.
    await rig.until('acks of both', () => before.acked() > 0 && after.acked() > 0)
    expect(page.called(before.stream.streamId)).toContain('terminals:ack')
    expect(page.called(after.stream.streamId)).toEqual([])
    for (const p of [before, after]) {
      p.stream.close()
      p.stream.dispose()
    }
    expect(page.refused).toEqual([])
  })

  it('a trace flood pauses at the ack window, resumes on acks over the port and loses no line', async () => {
    if (!page.client.connected()) await page.connect()
    const pane = await page.open('trace')
    pane.keepLines()
    const flood = traceFlood('port-flood')
    try {
      pane.setAcking(false)
      await rig.until(
        'the ack window to fill',
        () => pane.bytes() - pane.acked() >= FLOW.highWatermark,
      )
      await quiet(pane)
      // Paused end to end: labsim's `cat trace_pipe` blocks writing once ssh2's channel window
      // is used up too, while the flood goes on; nothing past the ack window (and its slack)
      // reached the page meanwhile.
      let since = Date.now()
      await rig.until('the remote reader to block', () => {
        if (!flood.readerBlocked()) since = Date.now()
        return Date.now() - since >= 250
      })
      const unacked = pane.bytes() - pane.acked()
      expect(unacked).toBeGreaterThanOrEqual(FLOW.highWatermark)
      expect(unacked).toBeLessThanOrEqual(FLOW.highWatermark + SLACK)
      await rig.until('a few MB traced', () => flood.count() >= 25_000)
    } finally {
      flood.stop()
    }
    const total = flood.count()
    pane.setAcking(true)
    const last = `port-flood ${total - 1}`
    await rig.until('the whole flood', () => plain(pane.text()).includes(`${last}\n`), 60_000)
    const numbers = pane.all
      .flatMap((l) => /port-flood (\d+)$/.exec(plain(l))?.[1] ?? [])
      .map(Number)
    expect(numbers.length).toBe(total)
    expect(numbers.every((n, i) => n === i)).toBe(true)
    expect(pane.bytes()).toBeGreaterThan(3_000_000)
    // Main's counts arrive over the port too (≤1 s after acks) and match the page's.
    await rig.until('main to count every line as acked', () => {
      const c = pane.statuses.at(-1)?.counts
      return c !== undefined && c.sent === c.acked && c.sent === pane.lines()
    })
    const id = pane.stream.streamId
    expect(page.fallback.get(id)).toBeUndefined()
    expect(page.called(id)).toEqual([])
    pane.stream.close()
    await rig.until('closed', () => pane.statuses.some((s) => s.state === 'closed'))
    pane.stream.dispose()
    expect(page.refused).toEqual([])
  }, 120_000)

  it('shell input and Ctrl-C go over the port, past a stalled flood', async () => {
    if (!page.client.connected()) await page.connect()
    const pane = await page.open('shell')
    await rig.until('the prompt', () => pane.text().endsWith(PROMPT), 10_000)
    pane.stream.input('echo via-port-$USER\r')
    await rig.until('an answer', () => pane.text().endsWith(`via-port-root\r\n${PROMPT}`), 10_000)
    pane.stream.input('yes port-yes\r')
    const host = rig.lab.host(HOST)
    await rig.until('yes running', () => host.processes().some((p) => p.command === 'yes port-yes'))
    pane.setAcking(false)
    await rig.until('the window to fill', () => pane.bytes() - pane.acked() >= FLOW.highWatermark)
    await quiet(pane)
    // Ctrl-C does not queue behind the output main holds back.
    pane.stream.interrupt()
    await rig.until('yes gone', () => !host.processes().some((p) => p.command === 'yes port-yes'))
    pane.setAcking(true)
    await rig.until('the prompt after ^C', () => pane.text().endsWith(`^C\r\n${PROMPT}`), 30_000)
    pane.stream.input('echo still-$USER\r')
    await rig.until('still answers', () => pane.text().endsWith(`still-root\r\n${PROMPT}`), 10_000)
    expect(page.fallback.get(pane.stream.streamId)).toBeUndefined()
    pane.stream.close()
    pane.stream.dispose()
    expect(page.refused).toEqual([])
    expect(page.called(pane.stream.streamId)).toEqual([])
  }, 60_000)
})
