import { countNewlines } from '../../contract/lines'
import { FLOW, type TerminalKind } from '../../contract/terminals'

import { lab } from './lab'
import { callChannel, portChannel, type TerminalChannel } from './terminal-channel'
import { terminalPort, type TerminalPortClient } from './terminal-port'
import { call } from './unwrap'

/**
 * Counts bytes and lines consumed by xterm and acks about every `thresholdBytes`
 * (contract/terminals.ts `FLOW.ackBytes`). `flush()` acks whatever is pending.
 */
export interface AckCounter {
  consumed(chunk: Uint8Array): void
  flush(): void
  /** Bytes consumed but not yet acked. */
  pending(): number
}

/** Builds an `AckCounter` calling `send(bytes, lines)`; pure apart from `send`. */
export function createAckCounter(
  send: (bytes: number, lines: number) => void,
  thresholdBytes: number = FLOW.ackBytes,
): AckCounter {
  let bytes = 0
  let lines = 0
  function flush() {
    if (bytes === 0) return
    send(bytes, lines)
    bytes = 0
    lines = 0
  }
  return {
    consumed(chunk) {
      bytes += chunk.length
      lines += countNewlines(chunk)
      if (bytes >= thresholdBytes) flush()
    },
    flush,
    pending: () => bytes,
  }
}

/** One open terminal stream as a pane uses it. Every method is fire-and-forget. */
export interface TerminalStream {
  readonly streamId: string
  readonly logPath: string | undefined
  /** The channel its traffic uses (terminal-channel.ts). */
  readonly via: 'port' | 'events'
  ack(bytes: number, lines: number): void
  input(data: string): void
  interrupt(): void
  resize(cols: number, rows: number): void
  close(): void
}

/** Callbacks of `openTerminalStream`; `data` gets raw bytes in order (seq-ordered by the server). */
export interface StreamHandlers {
  data(bytes: Uint8Array): void
  /** A stream state change; `counts` are main's two line counts when it sent them. */
  status(state: string, message: string | undefined, counts?: LineCounts): void
}

/** Lines main sent and lines the pane reported written into xterm (contract TerminalStatus). */
export interface LineCounts {
  readonly sent: number
  readonly acked: number
}

/**
 * Listens on one channel for one stream; buffers what arrives before the stream id is known.
 * `dispose()` unsubscribes.
 */
class Listening {
  private streamId: string | null = null
  private readonly early: Array<{ streamId: string; data: Uint8Array }> = []
  private readonly offs: Array<() => void>

  constructor(
    readonly channel: TerminalChannel,
    private readonly handlers: StreamHandlers,
  ) {
    this.offs = [
      channel.onData((d) => {
        if (this.streamId === null) this.early.push(d)
        else if (d.streamId === this.streamId) handlers.data(d.data)
      }),
      channel.onStatus((s) => {
        if (s.streamId !== this.streamId) return
        const counts =
          s.linesSent !== undefined && s.linesAcked !== undefined
            ? { sent: s.linesSent, acked: s.linesAcked }
            : undefined
        handlers.status(s.state, s.message, counts)
      }),
    ]
  }

  /** The stream is known: deliver what came early, in order, then live. */
  start(streamId: string): void {
    this.streamId = streamId
    for (const d of this.early.splice(0)) if (d.streamId === streamId) this.handlers.data(d.data)
  }

  dispose(): void {
    this.offs.forEach((off) => off())
    this.early.length = 0
  }
}

/**
 * Opens a terminal stream (`terminals:open`) and routes its data and status to `handlers` over
 * the one `TerminalChannel` main chose for it (terminal-channel.ts, `TerminalOpened.via`): the
 * page's terminal port when one is connected (Electron) and main routed the stream over it,
 * else contract events. Until the open call answers, both candidates are listened to (data can
 * arrive before the answer); then only the chosen one, whose early data is delivered first, in
 * order. Acks, input and Ctrl-C go over the same channel. Throws `LabError` when the open fails;
 * the subscriptions are removed then.
 */
export async function openTerminalStream(
  req: { hostId: string; kind: TerminalKind; cols: number; rows: number; filter?: string },
  handlers: StreamHandlers,
  port: TerminalPortClient = terminalPort,
): Promise<TerminalStream & { dispose(): void }> {
  const api = lab()
  const calls = callChannel(api)
  const candidates = [new Listening(calls, handlers)]
  if (port.connected()) candidates.push(new Listening(portChannel(port, calls), handlers))
  let opened
  try {
    opened = await call(api.terminals.open(req))
  } catch (err) {
    candidates.forEach((c) => c.dispose())
    throw err
  }
  const via = opened.via ?? 'events'
  const chosen = candidates.find((c) => c.channel.via === via) ?? (candidates[0] as Listening)
  for (const c of candidates) if (c !== chosen) c.dispose()
  const id = opened.streamId
  chosen.start(id)
  const channel = chosen.channel
  const quiet = (p: Promise<unknown>) => void p.catch(() => {})
  return {
    streamId: id,
    logPath: opened.logPath,
    via: channel.via,
    ack: (bytes, lines) => channel.ack(id, bytes, lines),
    input: (data) => channel.input(id, data),
    interrupt: () => channel.interrupt(id),
    resize: (cols, rows) => quiet(api.terminals.resize({ streamId: id, cols, rows })),
    close: () => quiet(api.terminals.close({ streamId: id })),
    dispose: () => chosen.dispose(),
  }
}
