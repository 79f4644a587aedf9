import { countNewlines } from '../../contract/lines'
import { FLOW, type TerminalKind, type TerminalStatus } from '../../contract/terminals'

import { lab } from './lab'
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
 * Opens a terminal stream (`terminals:open`) and routes its data and status to `handlers`,
 * from `terminals:data` / `terminals:status` events and from the terminal port (Electron,
 * terminal-port.ts) alike: main sends each stream over exactly one of them, so its chunks stay
 * in order. Data arriving before the open call returns is buffered and delivered in order once
 * the stream id is known. Acks, input and Ctrl-C go over the port when one is connected when
 * the open call returns, else as calls. Throws `LabError` when the open fails; the
 * subscriptions are removed then.
 */
export async function openTerminalStream(
  req: { hostId: string; kind: TerminalKind; cols: number; rows: number; filter?: string },
  handlers: StreamHandlers,
  port: TerminalPortClient = terminalPort,
): Promise<TerminalStream & { dispose(): void }> {
  const api = lab()
  let streamId: string | null = null
  const early: { streamId: string; data: Uint8Array }[] = []
  const onData = (d: { streamId: string; data: Uint8Array }): void => {
    if (streamId === null) early.push(d)
    else if (d.streamId === streamId) handlers.data(d.data)
  }
  const onStatus = (s: TerminalStatus): void => {
    if (s.streamId !== streamId) return
    const counts =
      s.linesSent !== undefined && s.linesAcked !== undefined
        ? { sent: s.linesSent, acked: s.linesAcked }
        : undefined
    handlers.status(s.state, s.message, counts)
  }
  const subs = [
    api.events.terminalData(onData),
    api.events.terminalStatus(onStatus),
    port.onData(onData),
    port.onStatus(onStatus),
  ]
  const dispose = (): void => subs.forEach((off) => off())
  let opened
  try {
    opened = await call(api.terminals.open(req))
  } catch (err) {
    dispose()
    throw err
  }
  const id = opened.streamId
  streamId = id
  for (const d of early) if (d.streamId === id) handlers.data(d.data)
  early.length = 0
  const quiet = (p: Promise<unknown>) => void p.catch(() => {})
  const viaPort = port.connected()
  return {
    streamId: id,
    logPath: opened.logPath,
    ack(bytes, lines) {
      if (!(viaPort && port.ack(id, bytes, lines)))
        quiet(api.terminals.ack({ streamId: id, bytes, lines }))
    },
    input(data) {
      if (!(viaPort && port.input(id, data))) quiet(api.terminals.input({ streamId: id, data }))
    },
    interrupt() {
      if (!(viaPort && port.interrupt(id))) quiet(api.terminals.interrupt({ streamId: id }))
    },
    resize: (cols, rows) => quiet(api.terminals.resize({ streamId: id, cols, rows })),
    close: () => quiet(api.terminals.close({ streamId: id })),
    dispose,
  }
}
