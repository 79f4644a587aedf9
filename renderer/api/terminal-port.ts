import {
  PortToRenderer,
  TERMINAL_PORT_TAG,
  type PortData,
  type PortStatus,
  type PortToMain,
} from '../../contract/terminal-port'

/**
 * The page's end of the terminal port (contract/terminal-port.ts). In Electron the preload
 * hands it over with `window.postMessage(TERMINAL_PORT_TAG, origin, [port])`; in browser mode
 * and in the UI harness no port ever arrives and terminal-stream.ts keeps using `window.lab` /
 * the WebSocket. Nothing here needs `window`: tests connect a Node `MessageChannel` port.
 */

/** What the client needs of a DOM `MessagePort` (a Node `MessageChannel` port fits too). */
export interface RendererPort {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  start(): void
  close(): void
}

/** The port as terminal streams use it. Senders answer false when no port is connected. */
export interface TerminalPortClient {
  /** True once a port is connected (and `hello` was sent on it). */
  connected(): boolean
  /** Takes a port (closing one taken before), starts it and says `hello` to main. */
  connect(port: RendererPort): void
  /** Every data chunk that arrives on the port, in order. Answers the unsubscribe. */
  onData(listener: (data: PortData) => void): () => void
  /** Every stream status that arrives on the port, in order with the data. */
  onStatus(listener: (status: PortStatus) => void): () => void
  ack(streamId: string, bytes: number, lines: number): boolean
  input(streamId: string, data: string): boolean
  interrupt(streamId: string): boolean
  /** Closes the port; the client is unconnected again. */
  close(): void
}

/** Milestones for observers (the Electron end-to-end test reads them from the page). */
export type PortMilestone = 'connected' | 'data'

/**
 * Builds a client. `milestone` is told when a port connects and when the first data chunk
 * arrives on it. Messages that fail `PortToRenderer` are ignored.
 */
export function createTerminalPortClient(
  milestone: (m: PortMilestone) => void = () => {},
): TerminalPortClient {
  let port: RendererPort | null = null
  let sawData = false
  const dataListeners = new Set<(d: PortData) => void>()
  const statusListeners = new Set<(s: PortStatus) => void>()
  const receive = (event: { data: unknown }): void => {
    const parsed = PortToRenderer.safeParse(event.data)
    if (!parsed.success) return
    const msg = parsed.data
    if (msg.t === 'status') return statusListeners.forEach((l) => l(msg))
    if (!sawData) {
      sawData = true
      milestone('data')
    }
    dataListeners.forEach((l) => l(msg))
  }
  const send = (message: PortToMain): boolean => {
    if (!port) return false
    port.postMessage(message)
    return true
  }
  const subscribe =
    <T>(set: Set<(v: T) => void>) =>
    (listener: (v: T) => void): (() => void) => {
      set.add(listener)
      return () => set.delete(listener)
    }
  const close = (): void => {
    port?.removeEventListener('message', receive)
    port?.close()
    port = null
  }
  return {
    connected: () => port !== null,
    connect(next) {
      close()
      port = next
      next.addEventListener('message', receive)
      next.start()
      send({ t: 'hello' })
      milestone('connected')
    },
    onData: subscribe(dataListeners),
    onStatus: subscribe(statusListeners),
    ack: (streamId, bytes, lines) => send({ t: 'ack', streamId, bytes, lines }),
    input: (streamId, data) => send({ t: 'input', streamId, data }),
    interrupt: (streamId) => send({ t: 'interrupt', streamId }),
    close,
  }
}

/** The part of `window` the port arrives through. */
export interface PortSource {
  addEventListener(type: 'message', listener: (event: PortEvent) => void): void
  removeEventListener(type: 'message', listener: (event: PortEvent) => void): void
}

/** The fields of a window `message` event that matter here. */
export interface PortEvent {
  readonly source: unknown
  readonly origin: string
  readonly data: unknown
  readonly ports: readonly RendererPort[]
}

/**
 * Listens on `win` for the preload's hand-over and connects `client` to the port: only a
 * message from the window itself (`event.source === self`, same `origin`) tagged
 * `TERMINAL_PORT_TAG` with a port counts. Answers the function that stops listening.
 */
export function listenForTerminalPort(
  win: PortSource,
  self: unknown,
  origin: string,
  client: TerminalPortClient,
): () => void {
  const onMessage = (event: PortEvent): void => {
    if (event.source !== self || event.origin !== origin || event.data !== TERMINAL_PORT_TAG) return
    const port = event.ports[0]
    if (port) client.connect(port)
  }
  win.addEventListener('message', onMessage)
  return () => win.removeEventListener('message', onMessage)
}

/**
 * The page's client. `<html data-terminal-port>` shows its milestone (`connected`, then `data`)
 * so an end-to-end test can tell that bytes really came over the port.
 */
export const terminalPort: TerminalPortClient = createTerminalPortClient((m) => {
  if (typeof document !== 'undefined') document.documentElement.dataset.terminalPort = m
})

/** Starts listening for the preload's port on this page (Electron only; call once at start). */
export function acceptTerminalPort(): () => void {
  return listenForTerminalPort(window, window, window.location.origin, terminalPort)
}
