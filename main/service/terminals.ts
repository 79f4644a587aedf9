import { randomUUID } from 'node:crypto'

import { countNewlines, FLOW, labError, type TerminalOpenRequest } from '../../contract'
import { DrillSteps } from './drill-steps'
import type { EventHub } from './event-hub'
import { PaneCap, PaneLogs, type TerminalLimits } from './terminal-limits'
import { Coalescer, FlowWindow } from './terminal-flow'
import { drillStepUri, LineHighlighter, type DrillStepRef } from './terminal-highlight'
import type { Pane, TerminalChannel, TerminalOpener, TerminalRearm } from './terminal-pane'

export type { TerminalChannel, TerminalOpener, TerminalRearm } from './terminal-pane'
export { MAX_PANES_PER_SESSION, type TerminalLimits } from './terminal-limits'

/** Reconnect schedule of a dropped read-only pane: delays in ms, then it gives up. */
const RECONNECT_DELAYS_MS = [100, 250, 500, 1000, 2000, 4000, 8000, 8000, 8000, 8000]

/**
 * Owns every open terminal pane: SSH stream → coalescer (≤16 ms) → front-door session, paused
 * by the ack window, logged to disk with timestamps, lines counted for loss detection.
 * Input and interrupts go straight to the channel, bypassing the output path.
 */
export class TerminalManager {
  private readonly panes = new Map<string, Pane>()
  /** The drill steps running per host (set by the engine bridge), for highlight links. */
  private readonly steps = new DrillSteps()
  private readonly cap: PaneCap
  private readonly logs: PaneLogs
  /** Panes whose channel is opening: a session that ends meanwhile marks them `ended`. */
  private readonly pendingOpens = new Set<{ sessionId: string; ended: boolean }>()

  constructor(
    private readonly hub: EventHub,
    logDir: string,
    private readonly opener: TerminalOpener,
    private readonly rearm: TerminalRearm = async () => null,
    limits: TerminalLimits = {},
  ) {
    this.cap = new PaneCap(limits.panesPerSession)
    this.logs = new PaneLogs(logDir, limits)
    // A pane belongs to its window or socket: it closes when that goes (or its page reloads).
    hub.onSessionEnd((sessionId) => this.closeSession(sessionId))
  }

  /**
   * Opens a pane for the calling session; answers its stream id and log path. Rejects
   * `limit-exceeded` past `panesPerSession` (32) panes of one session, `aborted` when the
   * session ended while the pane was opening, and what the opener rejects with.
   */
  async open(
    sessionId: string,
    request: TerminalOpenRequest,
  ): Promise<{ streamId: string; logPath: string }> {
    const mine = [...this.panes.values()].filter((p) => p.sessionId === sessionId).length
    return this.cap.admit(sessionId, mine, () => this.openPane(sessionId, request))
  }

  private async openPane(
    sessionId: string,
    request: TerminalOpenRequest,
  ): Promise<{ streamId: string; logPath: string }> {
    const abort = new AbortController()
    const pending = { sessionId, ended: false }
    this.pendingOpens.add(pending)
    let channel: TerminalChannel
    try {
      channel = await this.opener(request.hostId, request, abort.signal)
    } finally {
      this.pendingOpens.delete(pending)
    }
    if (pending.ended) {
      abort.abort()
      channel.close()
      throw labError('aborted', `the session ended while the ${request.kind} pane was opening`)
    }
    const streamId = `t-${randomUUID().slice(0, 8)}`
    const log = await this.logs.open(request, streamId)
    const pane: Pane = {
      request,
      streamId,
      sessionId,
      hostId: request.hostId,
      channel,
      flow: new FlowWindow(),
      coalescer: new Coalescer((chunk) => this.send(pane, chunk)),
      highlight: new LineHighlighter(
        (line) => this.steps.stepFor(request.hostId, line),
        request.kind !== 'shell',
      ),
      holdTimer: null,
      log,
      abort,
      seq: 0,
      dropParked: null,
      reconnecting: false,
      linesSent: 0,
      linesAcked: 0,
      countTimer: null,
    }
    this.panes.set(streamId, pane)
    this.wire(pane)
    this.status(pane, 'open')
    return { streamId, logPath: log.path }
  }

  /**
   * The renderer consumed `bytes` (from xterm's write callback) holding `lines` newlines (a
   * delta). Like every per-stream call, only the session that opened the stream may make it;
   * another session's stream answers `not-found`, as an unknown one does. An ack of more bytes
   * than were sent and not yet acked, or of more lines than bytes, answers `invalid-request`
   * and changes nothing: it must not reopen a full window (main would then buffer for a page
   * that does not read).
   */
  ack(sessionId: string, streamId: string, bytes: number, lines?: number): void {
    const pane = this.pane(sessionId, streamId)
    const pending = pane.flow.pending
    if (bytes > pending)
      throw labError(
        'invalid-request',
        `ack of ${bytes} bytes exceeds the ${pending} sent and not acked`,
      )
    if (lines !== undefined && lines > bytes)
      throw labError('invalid-request', `ack of ${lines} lines in ${bytes} bytes`)
    if (lines !== undefined) pane.linesAcked += lines
    this.countsLater(pane)
    if (pane.flow.acked(bytes) === 'resume') pane.channel.output.resume()
  }

  /** Keystrokes or pasted text for a shell pane, straight to its channel. */
  input(sessionId: string, streamId: string, data: string): void {
    this.pane(sessionId, streamId).channel.write(data)
  }

  /**
   * Ctrl-C, ahead of any queued output. A shell gets `\x03`; a read-only pane's command is
   * signalled and the pane ends at once as `closed` ("stopped by Ctrl-C"), without waiting for
   * output still buffered behind the ack window (a tty flushes it too) and without reconnecting.
   */
  interrupt(sessionId: string, streamId: string): void {
    const pane = this.pane(sessionId, streamId)
    pane.channel.interrupt()
    if (pane.request.kind === 'shell') return
    this.mark(pane.hostId, `stopped by Ctrl-C: ${pane.request.kind}`, pane)
    void this.finish(pane, 'closed', 'stopped by Ctrl-C')
  }

  /** The pane's xterm changed size (a shell's PTY follows; read-only panes ignore it). */
  resize(sessionId: string, streamId: string, cols: number, rows: number): void {
    this.pane(sessionId, streamId).channel.resize(cols, rows)
  }

  /**
   * Closes one of the session's panes. Unknown ids, and other sessions' panes, are ignored (the
   * pane may have ended on its own).
   */
  close(sessionId: string, streamId: string): void {
    const pane = this.panes.get(streamId)
    if (pane?.sessionId === sessionId) void this.finish(pane, 'closed', 'closed by the user')
  }

  /**
   * Writes a marker line into a host's panes (or one pane), e.g. which drill step ran; with
   * `link` the marker links to that drill step (an OSC 8 hyperlink, see terminal-highlight.ts).
   */
  mark(hostId: string, text: string, only?: Pane, link?: DrillStepRef): void {
    const [open, close] = link
      ? [`\x1b]8;;${drillStepUri(link)}\x1b\\`, '\x1b]8;;\x1b\\']
      : ['', '']
    const line = new TextEncoder().encode(`\r\n${open}\x1b[7m--- ${text} ---\x1b[0m${close}\r\n`)
    for (const pane of only ? [only] : this.panes.values()) {
      if (pane.hostId === hostId) {
        pane.log.marker(text)
        this.emit(pane, pane.highlight.interrupt())
        pane.coalescer.push(line)
      }
    }
  }

  /**
   * Sets the step now running of drill `runId` on `device` (devlink handle) of a host; `null`
   * ends that drill. With two drills on one host, a highlighted line links to the drill whose
   * device it names (drill-steps.ts).
   */
  setDrillStep(hostId: string, runId: string, step: DrillStepRef | null, device?: string): void {
    this.steps.set(hostId, runId, step, device)
  }

  /**
   * A command that drops the device is about to run on a host (expected-drop.ts): its read-only
   * panes park with a marker until `resumeAfterDrop`.
   */
  parkForDrop(hostId: string, reason: string): void {
    for (const pane of this.panes.values()) {
      if (pane.hostId !== hostId || pane.request.kind === 'shell' || pane.dropParked) continue
      pane.dropParked = reason
      this.mark(hostId, `parked: ${reason} expected to drop the device`, pane)
      this.status(pane, 'parked', `${reason} (expected drop)`)
    }
  }

  /**
   * The step or operation that dropped the device ended: each parked pane re-arms the tracer
   * when it went off, and resumes with a marker saying whether its stream was kept. A pane whose
   * stream dropped meanwhile is resumed by its own reconnect instead.
   */
  async resumeAfterDrop(hostId: string): Promise<void> {
    const parked = [...this.panes.values()].filter((p) => p.hostId === hostId && p.dropParked)
    await Promise.all(
      parked.map(async (pane) => {
        const why = pane.dropParked
        pane.dropParked = null
        if (pane.reconnecting) return
        const rearmed = await this.rearm(hostId, pane.request).catch(
          (err: Error) => `tracer not re-armed: ${err.message}`,
        )
        if (!this.panes.has(pane.streamId) || pane.reconnecting) return
        this.mark(hostId, `resumed after ${why}: stream kept${rearmed ? `; ${rearmed}` : ''}`, pane)
        this.status(pane, 'open', `resumed after ${why}`)
      }),
    )
  }

  /** Closes every pane of a session (its window or socket went away), and those opening. */
  closeSession(sessionId: string): void {
    for (const p of this.pendingOpens) if (p.sessionId === sessionId) p.ended = true
    for (const pane of [...this.panes.values()])
      if (pane.sessionId === sessionId) this.finish(pane, 'closed', 'session ended')
  }

  /** Closes everything. */
  async dispose(): Promise<void> {
    await Promise.all(
      [...this.panes.values()].map((p) => this.finish(p, 'closed', 'shutting down')),
    )
  }

  private wire(pane: Pane): void {
    const { output } = pane.channel
    output.on('data', (chunk: Buffer) => {
      pane.log.write(chunk)
      this.emit(pane, pane.highlight.push(chunk))
      if (pane.highlight.holding) {
        pane.holdTimer ??= setTimeout(() => {
          pane.holdTimer = null
          this.emit(pane, pane.highlight.release())
        }, FLOW.coalesceMs)
      }
    })
    let ended = false
    const dropped = (why: string): void => {
      if (ended) return
      ended = true
      if (!this.panes.has(pane.streamId)) return
      if (pane.request.kind === 'shell') return void this.finish(pane, 'closed', why)
      void this.reconnect(pane, why)
    }
    output.once('close', () => dropped(`${pane.request.kind} on ${pane.hostId} ended`))
    output.once('error', (err: Error) => dropped(err.message))
  }

  /**
   * A read-only pane lost its stream (connection drop, host reboot, killed command): park with a
   * marker, reopen with backoff, re-arm the tracer, and resume with a marker saying what happened.
   */
  private async reconnect(pane: Pane, why: string): Promise<void> {
    pane.reconnecting = true
    try {
      await this.reopen(pane, pane.dropParked ? `${why} (during ${pane.dropParked})` : why)
    } finally {
      pane.reconnecting = false
    }
  }

  private async reopen(pane: Pane, why: string): Promise<void> {
    this.mark(pane.hostId, `parked: ${why}`, pane)
    this.status(pane, 'parked', why)
    for (const delay of RECONNECT_DELAYS_MS) {
      await new Promise((r) => setTimeout(r, delay))
      if (!this.panes.has(pane.streamId)) return
      try {
        pane.channel = await this.opener(pane.hostId, pane.request, pane.abort.signal)
      } catch (err) {
        this.status(pane, 'reconnecting', (err as Error).message)
        continue
      }
      const rearmed = await this.rearm(pane.hostId, pane.request).catch(
        (err: Error) => `tracer not re-armed: ${err.message}`,
      )
      this.wire(pane)
      this.mark(pane.hostId, `resumed after: ${why}${rearmed ? `; ${rearmed}` : ''}`, pane)
      this.status(pane, 'open', 'resumed')
      return
    }
    this.finish(pane, 'failed', `gave up reconnecting after: ${why}`)
  }

  private emit(pane: Pane, bytes: Uint8Array): void {
    if (bytes.length > 0) pane.coalescer.push(bytes)
  }

  private send(pane: Pane, chunk: Uint8Array): void {
    const sink = this.hub.sink(pane.sessionId)
    if (!sink) return void this.finish(pane, 'closed', 'session gone')
    pane.linesSent += countNewlines(chunk)
    sink.sendData(pane.streamId, pane.seq++, chunk)
    if (pane.flow.sent(chunk.length) === 'pause') pane.channel.output.pause()
  }

  /** Pushes both line counts at most once a second, so a loss shows while it happens. */
  private countsLater(pane: Pane): void {
    pane.countTimer ??= setTimeout(() => {
      pane.countTimer = null
      if (this.panes.has(pane.streamId)) this.status(pane, 'open')
    }, 1000)
  }

  private status(
    pane: Pane,
    state: 'open' | 'parked' | 'reconnecting' | 'closed' | 'failed',
    message?: string,
  ): void {
    const sink = this.hub.sink(pane.sessionId)
    sink?.send('terminals:status', {
      streamId: pane.streamId,
      state,
      message,
      linesSent: pane.linesSent,
      linesAcked: pane.linesAcked,
    })
  }

  private async finish(pane: Pane, state: 'closed' | 'failed', message: string): Promise<void> {
    if (!this.panes.delete(pane.streamId)) return
    if (pane.countTimer) clearTimeout(pane.countTimer)
    if (pane.holdTimer) clearTimeout(pane.holdTimer)
    this.emit(pane, pane.highlight.interrupt())
    pane.coalescer.drain()
    pane.coalescer.dispose()
    pane.abort.abort()
    pane.channel.close()
    this.status(pane, state, message)
    await this.logs.close(pane.log)
  }

  /** The session's open pane `streamId`; throws `not-found` for unknown and foreign ones alike. */
  private pane(sessionId: string, streamId: string): Pane {
    const pane = this.panes.get(streamId)
    if (!pane || pane.sessionId !== sessionId)
      throw labError('not-found', `no open terminal ${streamId} in this session`)
    return pane
  }
}
