import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import type { Readable } from 'node:stream'

import { quote } from 'shell-quote'

import { labError, type TerminalKind, type TerminalOpenRequest } from '../../contract'
import type { EventHub } from './event-hub'
import { SessionLog } from './session-log'
import { Coalescer, countLines, FlowWindow } from './terminal-flow'

/** A remote byte source behind one pane: an exec stream or an interactive shell. */
export interface TerminalChannel {
  /** Remote output; pausing it stops ssh2 from granting window, so the remote blocks. */
  readonly output: Readable
  /** Sends keystrokes (shell) — ignored by read-only streams. */
  write(data: string): void
  /** Ctrl-C: a shell gets `\x03`; an exec stream is signalled and closed. */
  interrupt(): void
  resize(cols: number, rows: number): void
  close(): void
}

/** Opens the channel for a pane on a host. Rejects with a `LabError` naming host and command. */
export type TerminalOpener = (
  hostId: string,
  request: TerminalOpenRequest,
  signal: AbortSignal,
) => Promise<TerminalChannel>

interface Pane {
  readonly streamId: string
  readonly sessionId: string
  readonly hostId: string
  readonly channel: TerminalChannel
  readonly flow: FlowWindow
  readonly coalescer: Coalescer
  readonly log: SessionLog
  readonly abort: AbortController
  seq: number
  linesSent: number
  linesAcked: number
}

/**
 * Owns every open terminal pane: SSH stream → coalescer (≤16 ms) → front-door session, paused
 * by the ack window, logged to disk with timestamps, lines counted for loss detection.
 * Input and interrupts go straight to the channel, bypassing the output path.
 */
export class TerminalManager {
  private readonly panes = new Map<string, Pane>()

  constructor(
    private readonly hub: EventHub,
    private readonly logDir: string,
    private readonly opener: TerminalOpener,
  ) {}

  /** Opens a pane for the calling session; answers its stream id and log path. */
  async open(
    sessionId: string,
    request: TerminalOpenRequest,
  ): Promise<{ streamId: string; logPath: string }> {
    const abort = new AbortController()
    const channel = await this.opener(request.hostId, request, abort.signal)
    const streamId = `t-${randomUUID().slice(0, 8)}`
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    const log = new SessionLog(
      join(this.logDir, request.hostId, `${request.kind}-${stamp}.log`),
      (err) =>
        console.error(
          `replab: session log for ${request.hostId} ${request.kind} stopped: ${err.message}`,
        ),
    )
    await log.open()
    const pane: Pane = {
      streamId,
      sessionId,
      hostId: request.hostId,
      channel,
      flow: new FlowWindow(),
      coalescer: new Coalescer((chunk) => this.send(pane, chunk)),
      log,
      abort,
      seq: 0,
      linesSent: 0,
      linesAcked: 0,
    }
    this.panes.set(streamId, pane)
    channel.output.on('data', (chunk: Buffer) => {
      log.write(chunk)
      pane.coalescer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
    })
    channel.output.once('close', () =>
      this.finish(pane, 'closed', `${request.kind} on ${request.hostId} ended`),
    )
    channel.output.once('error', (err: Error) => this.finish(pane, 'failed', err.message))
    this.status(pane, 'open')
    return { streamId, logPath: log.path }
  }

  /** The renderer consumed `bytes` (from xterm's write callback) and counted `lines`. */
  ack(streamId: string, bytes: number, lines?: number): void {
    const pane = this.pane(streamId)
    if (lines !== undefined) pane.linesAcked = lines
    if (pane.flow.acked(bytes) === 'resume') pane.channel.output.resume()
  }

  input(streamId: string, data: string): void {
    this.pane(streamId).channel.write(data)
  }

  interrupt(streamId: string): void {
    this.pane(streamId).channel.interrupt()
  }

  resize(streamId: string, cols: number, rows: number): void {
    this.pane(streamId).channel.resize(cols, rows)
  }

  /** Closes one pane. Unknown ids are ignored (the pane may have ended on its own). */
  close(streamId: string): void {
    const pane = this.panes.get(streamId)
    if (pane) this.finish(pane, 'closed', 'closed by the user')
  }

  /** Writes a marker into a host's panes (e.g. a drill step that expects the device to drop). */
  mark(hostId: string, text: string): void {
    for (const pane of this.panes.values()) {
      if (pane.hostId === hostId) {
        const line = new TextEncoder().encode(`\r\n\x1b[7m--- ${text} ---\x1b[0m\r\n`)
        pane.log.marker(text)
        pane.coalescer.push(line)
      }
    }
  }

  /** Closes every pane of a session (its window or socket went away). */
  closeSession(sessionId: string): void {
    for (const pane of [...this.panes.values()])
      if (pane.sessionId === sessionId) this.finish(pane, 'closed', 'session ended')
  }

  /** Closes everything. */
  async dispose(): Promise<void> {
    await Promise.all(
      [...this.panes.values()].map((p) => this.finish(p, 'closed', 'shutting down')),
    )
  }

  private send(pane: Pane, chunk: Uint8Array): void {
    const sink = this.hub.sink(pane.sessionId)
    if (!sink) return void this.finish(pane, 'closed', 'session gone')
    pane.linesSent += countLines(chunk)
    sink.sendData(pane.streamId, pane.seq++, chunk)
    if (pane.flow.sent(chunk.length) === 'pause') pane.channel.output.pause()
  }

  private status(pane: Pane, state: 'open' | 'closed' | 'failed', message?: string): void {
    const sink = this.hub.sink(pane.sessionId)
    sink?.send('terminals:status', {
      streamId: pane.streamId,
      state,
      message,
      linesSent: pane.linesSent,
    })
  }

  private async finish(pane: Pane, state: 'closed' | 'failed', message: string): Promise<void> {
    if (!this.panes.delete(pane.streamId)) return
    pane.coalescer.drain()
    pane.coalescer.dispose()
    pane.abort.abort()
    pane.channel.close()
    this.status(pane, state, message)
    await pane.log.close()
  }

  private pane(streamId: string): Pane {
    const pane = this.panes.get(streamId)
    if (!pane) throw labError('not-found', `no open terminal ${streamId}`)
    return pane
  }
}

/** The remote command behind a read-only pane kind; `null` for the interactive shell. */
export function terminalCommand(
  kind: TerminalKind,
  tracingRoot: string,
  filter?: string,
): string | null {
  switch (kind) {
    case 'trace':
      return `cat ${tracingRoot}/trace_pipe`
    case 'dmesg':
      return filter ? `dmesg -w | grep --line-buffered -F -e ${quote([filter])}` : 'dmesg -w'
    case 'devlink-monitor':
      return 'devlink monitor'
    case 'shell':
      return null
  }
}
