import { describe, expect, it } from 'vitest'

import { FLOW } from '../../../contract'
import { poll } from '../../helpers/poll'
import { useTerminalRig } from '../../helpers/terminal-rig'

// Issue 8: "During a flood, Ctrl-C stops the remote command within 200 ms on labsim."
// The real path minus the browser: TerminalManager → ssh2 client → labsim's ssh2 server → the
// simulated shell, whose process table (SimHost.processes()) shows when the command is gone.
// The 200 ms bound is the issue's; labsim answers in a few ms on an idle machine, so the bound
// leaves ample slack for a loaded 2-core runner. The clock starts at the interrupt call.
// "Stalled" cases stop the fake renderer's acks mid-flood, as a busy xterm would: main's window
// fills, the SSH stream pauses and the remote command blocks writing; Ctrl-C must not queue
// behind that output.

const HOST = 'sim-a'
const PROMPT = `root@${HOST}:~# `
const BOUND_MS = 200
const TRACE_PIPE = '/sys/kernel/debug/tracing/trace_pipe'

describe('Ctrl-C during a flood (issue 8)', () => {
  const rig = useTerminalRig({ hosts: 1, speed: 0.02 }, HOST)

  /**
   * A firmware tracer at full verbosity: ~50 mlx5_fw events every 2 ms (≈3 MB/s of lines) until
   * `stop()`. `readerBlocked()`: a trace_pipe reader is behind, i.e. stuck writing its output.
   */
  function traceFlood(): { stop(): void; readerBlocked(): boolean } {
    const kernel = rig.lab.host(HOST).kernel
    const pf = kernel.pfs[0]!
    let n = 0
    const timer = setInterval(() => {
      for (let i = 0; i < 50; i++) kernel.fwTrace(pf, `flood event ${n++}`, 0x21)
    }, 2)
    return {
      stop: () => clearInterval(timer),
      readerBlocked: () => kernel.traceRead < kernel.trace.length,
    }
  }

  /** The pid of the labsim process whose command line matches, once it runs. */
  async function pidOf(matches: (command: string) => boolean): Promise<number> {
    let pid: number | undefined
    await rig.until('the flood process in the labsim process table', () => {
      pid = rig.lab
        .host(HOST)
        .processes()
        .find((p) => matches(p.command))?.pid
      return pid !== undefined
    })
    return pid as number
  }

  /**
   * Stops acking, waits until main's window is full (bytes sent before acking stopped count
   * too, hence half the high watermark) and then until `blocked()` held for 250 ms.
   */
  async function stall(streamId: string, blocked: () => boolean): Promise<void> {
    rig.session.setAcking(false)
    const start = rig.session.bytes(streamId)
    const filled = (): boolean => rig.session.bytes(streamId) - start > FLOW.highWatermark / 2
    await rig.until('the ack window to fill', filled, 30_000, streamId)
    let since = Date.now()
    await rig.until('the remote command to block on its output', () => {
      if (!blocked()) since = Date.now()
      return Date.now() - since >= 250
    })
  }

  /** Calls terminals:interrupt and answers the ms until `pid` left the labsim process table. */
  async function interruptAndTime(streamId: string, pid: number): Promise<number> {
    const host = rig.lab.host(HOST)
    const t0 = performance.now()
    await rig.call('terminals:interrupt', { streamId })
    await poll(() => !host.processes().some((p) => p.pid === pid), {
      timeoutMs: 10_000,
      intervalMs: 1,
      maxIntervalMs: 1, // this is a measurement: look every millisecond
      what: `pid ${pid} to leave labsim's process table`,
    })
    return performance.now() - t0
  }

  /** Opens a shell pane, waits for the prompt, types `line` and answers the pane and its pid. */
  async function runInShell(line: string): Promise<{ streamId: string; pid: number }> {
    const { streamId } = await rig.call<{ streamId: string }>('terminals:open', {
      hostId: HOST,
      kind: 'shell',
    })
    const text = (): string => rig.session.text(streamId)
    await rig.until('the prompt', () => text().endsWith(PROMPT), 10_000, streamId)
    await rig.call('terminals:input', { streamId, data: `${line}\r` })
    return { streamId, pid: await pidOf((command) => command === line) }
  }

  /**
   * After Ctrl-C the renderer catches up with the backlog: the output ends with `^C` and a new
   * prompt (nothing of the flood after the ^C), and the shell still runs commands.
   */
  async function promptReturns(streamId: string): Promise<void> {
    rig.session.setAcking(true)
    const text = (): string => rig.session.text(streamId)
    await rig.until(
      'the prompt after ^C',
      () => text().endsWith(`^C\r\n${PROMPT}`),
      30_000,
      streamId,
    )
    await rig.call('terminals:input', { streamId, data: 'echo still-$USER\r' })
    await rig.until('an answer', () => text().endsWith(`still-root\r\n${PROMPT}`), 10_000, streamId)
  }

  it.each([
    { flood: `while :; do echo "loop-flood ${'x'.repeat(200)}"; done`, flowing: 300_000 },
    { flood: 'yes flood-from-yes', flowing: 4_000_000 },
  ])(
    'shell pane, acking renderer: Ctrl-C ends `$flood` within 200 ms; the prompt returns',
    async ({ flood, flowing }) => {
      const { streamId, pid } = await runInShell(flood)
      const bytes = (): number => rig.session.bytes(streamId)
      await rig.until('the flood to flow', () => bytes() > flowing, 30_000, streamId)
      expect(await interruptAndTime(streamId, pid)).toBeLessThan(BOUND_MS)
      await promptReturns(streamId)
      await rig.call('terminals:close', { streamId })
    },
    60_000,
  )

  it('shell pane, stalled renderer: Ctrl-C ends a `cat trace_pipe` blocked on its output', async () => {
    const flood = traceFlood()
    try {
      const { streamId, pid } = await runInShell(`cat ${TRACE_PIPE}`)
      const bytes = (): number => rig.session.bytes(streamId)
      await rig.until('the flood to flow', () => bytes() > 300_000, 30_000, streamId)
      await stall(streamId, flood.readerBlocked)
      expect(await interruptAndTime(streamId, pid)).toBeLessThan(BOUND_MS)
      flood.stop()
      await promptReturns(streamId)
      await rig.call('terminals:close', { streamId })
    } finally {
      flood.stop()
      rig.session.setAcking(true)
    }
  }, 60_000)

  it('trace pane, stalled renderer: Ctrl-C kills the blocked trace_pipe reader', async () => {
    const flood = traceFlood()
    try {
      const { streamId } = await rig.call<{ streamId: string }>('terminals:open', {
        hostId: HOST,
        kind: 'trace',
      })
      const pid = await pidOf((command) => command === `cat ${TRACE_PIPE}`)
      const bytes = (): number => rig.session.bytes(streamId)
      await rig.until('the flood to flow', () => bytes() > 300_000, 30_000, streamId)
      expect(rig.session.text(streamId)).toMatch(
        /mlx5_fw: 0000:08:00\.0 \[0x[0-9a-f]+\] 0 \[0x21\] flood event \d+/,
      )
      await stall(streamId, flood.readerBlocked)
      // interrupt() sends the exec channel a KILL signal request and closes it.
      expect(await interruptAndTime(streamId, pid)).toBeLessThan(BOUND_MS)
      // The pane stops (it is not a dropped connection to reconnect): no new reader starts.
      rig.session.setAcking(true)
      await rig.until(
        'the pane to close as stopped by Ctrl-C',
        () =>
          rig.session.statuses.some(
            (st) => st.streamId === streamId && st.message === 'stopped by Ctrl-C',
          ),
        30_000,
        streamId,
      )
      expect(
        rig.session.statuses.filter((st) => st.streamId === streamId).map((st) => st.state),
      ).not.toContain('parked')
      // Observation window of a negative assertion (nothing to poll for): a pane that wrongly
      // reconnected would have a new reader running within its first 50 ms backoff.
      await new Promise((r) => setTimeout(r, 300))
      expect(
        rig.lab
          .host(HOST)
          .processes()
          .filter((p) => p.command === `cat ${TRACE_PIPE}`),
      ).toEqual([])
    } finally {
      flood.stop()
      rig.session.setAcking(true)
    }
  }, 60_000)
})
