import type { TerminalKind } from '../../../contract'
import { bindTerminalPort, TerminalSink, type PortLike } from '../../../main/service/terminal-port'
import { installLab } from '../../../renderer/api/lab'
import { buildLabApi } from '../../../renderer/api/lab-api-builder'
import {
  createTerminalPortClient,
  type PortMilestone,
  type TerminalPortClient,
} from '../../../renderer/api/terminal-port'
import {
  createAckCounter,
  openTerminalStream,
  type LineCounts,
  type TerminalStream,
} from '../../../renderer/api/terminal-stream'
import type { TerminalRig } from '../../helpers/terminal-rig'

/**
 * A renderer page on the terminal port, minus Electron and xterm: its own front-door session
 * (`TerminalSink` over a fallback that stands in for `webContents.send`), a Node
 * `MessageChannel` whose port1 main binds with `bindTerminalPort` and whose port2 the real
 * renderer modules use (terminal-port.ts, terminal-stream.ts). Panes count bytes and lines and
 * ack from a stand-in for xterm's write callback through `createAckCounter`, like
 * renderer/features/terminals/terminal-session.ts.
 */
export interface PortPage {
  readonly sink: TerminalSink
  readonly client: TerminalPortClient
  /** The page's raw port end, for messages no well-behaved page sends. */
  readonly port: MessagePort
  /** Lines main logged about refused port messages. */
  readonly refused: string[]
  readonly milestones: PortMilestone[]
  /** Acks, input and Ctrl-C the page sent as calls (IPC invoke) instead of on the port. */
  called(streamId: string): string[]
  /** Chunks and statuses that went through the fallback instead of the port, per stream. */
  readonly fallback: Map<string, { chunks: number; statuses: number }>
  /** Connects the client (it says `hello`) and waits until main routes new streams over it. */
  connect(): Promise<void>
  open(kind: TerminalKind): Promise<Pane>
  /** Unbinds and closes both ends. */
  close(): void
}

/** One pane: its stream and what reached it. */
export interface Pane {
  readonly stream: TerminalStream & { dispose(): void }
  bytes(): number
  /** Bytes acked so far (over the port when it was connected at open). */
  acked(): number
  /** Newlines received. */
  lines(): number
  /** The last 200,000 characters received. */
  text(): string
  /** Every complete line received, when `keepLines` was set. */
  readonly all: string[]
  readonly statuses: Array<{ state: string; message?: string; counts?: LineCounts }>
  /** Stops acking (a stalled xterm) or restarts it, acking what was held back. */
  setAcking(on: boolean): void
  /** Keeps every complete line in `all` from now on. */
  keepLines(): void
}

/** `port` (a Node MessageChannel end) as main's `PortLike`. */
export function nodePortLike(port: MessagePort): PortLike {
  return {
    postMessage: (message) => port.postMessage(message),
    onMessage(listener) {
      const handler = (event: MessageEvent): void => listener(event.data)
      port.addEventListener('message', handler)
      port.start()
      return () => port.removeEventListener('message', handler)
    },
    close: () => port.close(),
  }
}

/** Opens a page as session `sessionId` on the rig's back end; the port is bound, not connected. */
export function openPortPage(rig: TerminalRig, sessionId: string): PortPage {
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  const emit = (channel: string, payload: unknown): void =>
    listeners.get(channel)?.forEach((l) => l(payload))
  const fallback = new Map<string, { chunks: number; statuses: number }>()
  const counted = (id: string) => {
    const f = fallback.get(id) ?? { chunks: 0, statuses: 0 }
    fallback.set(id, f)
    return f
  }
  const sink = new TerminalSink({
    sessionId,
    send: (channel, payload) => {
      if (channel === 'terminals:status')
        counted((payload as { streamId: string }).streamId).statuses++
      emit(channel, payload)
    },
    sendData: (streamId, seq, data) => {
      counted(streamId).chunks++
      emit('terminals:data', { streamId, seq, data })
    },
  })
  const detach = rig.backend.hub.attach(sink)
  const { port1, port2 } = new MessageChannel()
  const refused: string[] = []
  const unbind = bindTerminalPort(nodePortLike(port1), {
    sink,
    dispatcher: rig.backend.dispatcher,
    log: (line) => refused.push(line),
  })
  const milestones: PortMilestone[] = []
  const client = createTerminalPortClient((m) => milestones.push(m))
  const ctx = { sessionId, signal: new AbortController().signal }
  const invoked: Array<{ channel: string; streamId?: string }> = []
  installLab(
    buildLabApi(
      (channel, request) => {
        invoked.push({ channel, streamId: (request as { streamId?: string }).streamId })
        return rig.backend.dispatcher.dispatch(channel, request, ctx)
      },
      (channel, listener) => {
        const set = listeners.get(channel) ?? new Set()
        listeners.set(channel, set.add(listener))
        return () => set.delete(listener)
      },
    ),
  )
  return {
    sink,
    client,
    port: port2,
    refused,
    milestones,
    called: (id) =>
      invoked
        .filter((c) => c.streamId === id && /:(ack|input|interrupt)$/.test(c.channel))
        .map((c) => c.channel),
    fallback,
    async connect() {
      client.connect(port2)
      await rig.until('main to take the hello', () => sink.portReady, 5_000)
    },
    open: (kind) => openPane(kind, client),
    close() {
      unbind()
      client.close()
      detach()
    },
  }
}

async function openPane(kind: TerminalKind, client: TerminalPortClient): Promise<Pane> {
  let bytes = 0
  let acked = 0
  let lines = 0
  let text = ''
  let partial = ''
  let keep = false
  let acking = true
  const held: Uint8Array[] = []
  const all: string[] = []
  const statuses: Pane['statuses'] = []
  const decoder = new TextDecoder()
  const holder: { stream?: TerminalStream } = {}
  const counter = createAckCounter((b, l) => {
    acked += b
    holder.stream?.ack(b, l)
  })
  // xterm's write callback: consumed bytes are acked about every 100 KB, the rest on idle.
  const idle = setInterval(() => acking && counter.flush(), 250)
  const stream = await openTerminalStream(
    { hostId: 'sim-a', kind, cols: 120, rows: 30 },
    {
      data(chunk) {
        bytes += chunk.length
        const s = decoder.decode(chunk, { stream: true })
        text = (text + s).slice(-200_000)
        const parts = (partial + s).split('\n')
        partial = parts.pop() ?? ''
        lines += parts.length
        if (keep) all.push(...parts)
        if (acking) counter.consumed(chunk)
        else held.push(chunk)
      },
      status: (state, message, counts) => statuses.push({ state, message, counts }),
    },
    client,
  )
  holder.stream = stream
  return {
    stream: {
      ...stream,
      dispose() {
        clearInterval(idle)
        stream.dispose()
      },
    },
    bytes: () => bytes,
    acked: () => acked,
    lines: () => lines,
    text: () => text,
    all,
    statuses,
    setAcking(on) {
      acking = on
      if (on) held.splice(0).forEach((c) => counter.consumed(c))
    },
    keepLines: () => void (keep = true),
  }
}
