import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { FLOW } from '../../../contract'
import { startTerminalRig, type TerminalRig } from '../../helpers/terminal-rig'
import { openPortPage, type Pane, type PortPage } from './port-page'

// Issue 8, the terminal port's trust boundary: whatever a compromised page posts on its port is
// validated in main (contract/terminal-port.ts) and refused with a logged line, never a crash,
// and never touches the stream: not its flow window, not another session's pane.

const HOST = 'sim-a'
const PROMPT = `root@${HOST}:~# `
/** See terminal-port.test.ts: bytes the pause may let through past the window. */
const SLACK = 512 * 1024

describe('hostile messages on the terminal port (issue 8)', () => {
  let rig: TerminalRig
  let page: PortPage
  let shell: Pane
  /** A shell of another session (the rig's `s1`, say a second window). */
  let other: string

  beforeAll(async () => {
    rig = await startTerminalRig({ hosts: 1, speed: 0.02 })
    await rig.call('hosts:connect', { hostId: HOST })
    page = openPortPage(rig, 'ipc-hostile')
    await page.connect()
    shell = await page.open('shell')
    await rig.until('the prompt', () => shell.text().endsWith(PROMPT), 10_000)
    other = (
      await rig.call<{ streamId: string }>('terminals:open', { hostId: HOST, kind: 'shell' })
    ).streamId
    await rig.until('the other prompt', () => rig.session.text(other).endsWith(PROMPT), 10_000)
  })
  afterAll(async () => {
    page?.close()
    await rig?.close()
  })

  /** Types `echo <word>-$USER` over the port and waits for the shell's answer. */
  async function answers(word: string): Promise<void> {
    shell.stream.input(`echo ${word}-$USER\r`)
    await rig.until(word, () => shell.text().endsWith(`${word}-root\r\n${PROMPT}`), 10_000)
  }

  it('refuses malformed, oversized, unknown and foreign messages, each with a logged reason', async () => {
    const own = shell.stream.streamId
    const cases: Array<[unknown, RegExp]> = [
      [null, /malformed message/],
      [42, /malformed message/],
      ['ack', /malformed message/],
      [[], /malformed message/],
      [{}, /malformed message: t:/],
      [{ t: 'nope', streamId: own }, /malformed message: t:/],
      // main's own message kind, posted back
      [{ t: 'data', streamId: own, seq: 0, data: new Uint8Array(3) }, /malformed message: t:/],
      [{ t: 'ack', streamId: own }, /malformed message: bytes:/],
      [{ t: 'ack', streamId: own, bytes: -1 }, /malformed message: bytes:/],
      [{ t: 'ack', streamId: own, bytes: 1.5 }, /malformed message: bytes:/],
      [{ t: 'ack', streamId: own, bytes: '100' }, /malformed message: bytes:/],
      [{ t: 'input', streamId: own, data: 'x'.repeat(65_537) }, /malformed message: data:/],
      [{ t: 'input', streamId: 'x'.repeat(65), data: 'ls\r' }, /malformed message: streamId:/],
      [{ t: 'ack', streamId: 't-00000000', bytes: 1 }, /ack for t-00000000: not a stream/],
      [{ t: 'input', streamId: other, data: 'echo INJECTED-$USER\r' }, /input for .*not a stream/],
      [{ t: 'interrupt', streamId: other }, /interrupt for .*not a stream/],
      [{ t: 'ack', streamId: own, bytes: 1e12 }, /exceeds the \d+ sent and not acked/],
      [{ t: 'ack', streamId: own, bytes: 0, lines: 5 }, /ack of 5 lines in 0 bytes/],
    ]
    for (const [message] of cases) page.port.postMessage(message)
    await rig.until('every refusal', () => page.refused.length >= cases.length, 10_000)
    cases.forEach(([, reason], i) => expect(page.refused[i]).toMatch(reason))
    expect(page.refused.every((l) => l.startsWith('replab: terminal port ipc-hostile: refused')))
    // The other session's shell got nothing and is still open; this page's shell still works.
    await rig.call('terminals:input', { streamId: other, data: 'echo mine-$USER\r' })
    await rig.until('the other answer', () => rig.session.text(other).includes('mine-root'))
    expect(rig.session.text(other)).not.toContain('INJECTED')
    expect(rig.session.statuses.filter((s) => s.streamId === other && s.state !== 'open')).toEqual(
      [],
    )
    await answers('alive')
    expect(shell.text()).not.toContain('INJECTED')
  })

  it('an ack for bytes never sent does not reopen a full window', async () => {
    const trace = await page.open('trace')
    const kernel = rig.lab.host(HOST).kernel
    const pf = kernel.pfs[0]!
    let n = 0
    const flood = setInterval(() => {
      for (let i = 0; i < 50; i++) kernel.fwTrace(pf, `hostile-flood ${n++}`, 0x21)
    }, 2)
    try {
      trace.setAcking(false)
      const full = (): boolean => trace.bytes() - trace.acked() >= FLOW.highWatermark
      await rig.until('the window to fill', full, 30_000)
      await rig.until('the pause', () => n > 20_000)
      const held = trace.bytes()
      const refusedBefore = page.refused.length
      page.port.postMessage({ t: 'ack', streamId: trace.stream.streamId, bytes: 50_000_000 })
      await rig.until('the refusal', () => page.refused.length > refusedBefore)
      expect(page.refused.at(-1)).toMatch(/exceeds/)
      // Let the flood run on for 5,000 more lines: an ack that reopened the window would let
      // them through to the page.
      const produced = n
      await rig.until('5,000 more lines traced while paused', () => n >= produced + 5_000)
      // Still paused: at most the slack beyond the window ever reached the page.
      expect(trace.bytes() - trace.acked()).toBeLessThanOrEqual(FLOW.highWatermark + SLACK)
      expect(trace.bytes() - held).toBeLessThanOrEqual(SLACK)
    } finally {
      clearInterval(flood)
      trace.setAcking(true)
    }
    await rig.until('the flood to drain', () => trace.text().includes(`hostile-flood ${n - 1}`))
    trace.stream.close()
    trace.stream.dispose()
  }, 60_000)

  it("drops the page's own late ack, input or Ctrl-C after its stream closed, without a refusal", async () => {
    // A page of its own: main logs only the first refusals of a port, and the suite's share them.
    const late = openPortPage(rig, 'ipc-late')
    try {
      await late.connect()
      const pane = await late.open('dmesg')
      const id = pane.stream.streamId
      pane.stream.close()
      await rig.until('the close', () => pane.statuses.some((s) => s.state === 'closed'))
      // What a page in flight sends as the close crosses it: the last ack, a key, Ctrl-C.
      late.port.postMessage({ t: 'ack', streamId: id, bytes: 1, lines: 0 })
      late.port.postMessage({ t: 'input', streamId: id, data: 'x' })
      late.port.postMessage({ t: 'interrupt', streamId: id })
      // A stream this page never had is still refused; port messages are handled in order.
      late.port.postMessage({ t: 'ack', streamId: 't-never', bytes: 1 })
      await rig.until('the refusal', () => late.refused.length > 0)
      // Observation window of a negative assertion: a late dispatcher answer would log here.
      await new Promise((r) => setTimeout(r, 100))
      expect(late.refused).toHaveLength(1)
      expect(late.refused[0]).toMatch(/t-never: not a stream of this page/)
    } finally {
      late.close()
    }
  })

  it('survives arbitrary values on the port; the page and the other session keep working', async () => {
    const before = page.refused.length
    const samples = fc.sample(
      fc.oneof(
        fc.anything(),
        fc.record({
          t: fc.constantFrom('hello', 'ack', 'input', 'interrupt', 'data', 'status'),
          // Valid messages for the page's own streams are its right: fuzz foreign ones only.
          streamId: fc.oneof(fc.string(), fc.constant(other)),
          bytes: fc.oneof(fc.integer(), fc.double(), fc.string()),
          data: fc.oneof(fc.string({ maxLength: 70_000 }), fc.uint8Array()),
        }),
      ),
      { numRuns: 400, seed: 8 },
    )
    let posted = 0
    for (const sample of samples) {
      try {
        page.port.postMessage(sample)
        posted++
      } catch {
        // not structured-cloneable: the page could not send it either
      }
    }
    expect(posted).toBeGreaterThan(300)
    // Port messages are handled in order: an answer to this input means all of them were seen.
    await answers('after-fuzz')
    expect(page.refused.length).toBeGreaterThan(before)
    await rig.call('terminals:input', { streamId: other, data: 'echo other-after-$USER\r' })
    await rig.until('the other answer', () => rig.session.text(other).includes('other-after-root'))
  }, 60_000)
})
