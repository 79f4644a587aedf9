import type { LabApi } from '../../contract/api'
import type { TerminalStatus } from '../../contract/terminals'

import type { TerminalPortClient } from './terminal-port'

/**
 * The one way a terminal stream's traffic travels between a pane and main, picked once when the
 * stream opens (main says which in `TerminalOpened.via`) and kept for the stream's life, so its
 * chunks stay in order and nothing is listened to twice:
 *
 * - `portChannel`: the page's terminal port (Electron, contract/terminal-port.ts): structured
 *   clones, acks, input and Ctrl-C as port messages;
 * - `callChannel`: contract calls and events (`terminals:data`/`terminals:status`, and
 *   `terminals:ack`/`input`/`interrupt` as calls) over whatever carries `window.lab` (the
 *   WebSocket in browser mode, IPC in Electron).
 *
 * Open, resize and close are calls in both cases (terminal-stream.ts).
 */

/** A chunk of a stream's output. */
export interface ChannelData {
  readonly streamId: string
  readonly data: Uint8Array
}

/** Everything a stream sends and receives besides its calls. Senders are fire-and-forget. */
export interface TerminalChannel {
  readonly via: 'port' | 'events'
  /** Every data chunk of every stream on this channel; answers the unsubscribe. */
  onData(listener: (d: ChannelData) => void): () => void
  onStatus(listener: (s: TerminalStatus) => void): () => void
  ack(streamId: string, bytes: number, lines: number): void
  input(streamId: string, data: string): void
  interrupt(streamId: string): void
}

/** Swallows the result of a fire-and-forget call (its errors reach the pane as status). */
function quiet(p: Promise<unknown>): void {
  void p.catch(() => {})
}

/** The channel of contract calls and events (`window.lab`). */
export function callChannel(api: LabApi): TerminalChannel {
  return {
    via: 'events',
    onData: (l) => api.events.terminalData(l),
    onStatus: (l) => api.events.terminalStatus(l),
    ack: (streamId, bytes, lines) => quiet(api.terminals.ack({ streamId, bytes, lines })),
    input: (streamId, data) => quiet(api.terminals.input({ streamId, data })),
    interrupt: (streamId) => quiet(api.terminals.interrupt({ streamId })),
  }
}

/**
 * The channel of the page's terminal port. A sender whose port went away (page unloading)
 * falls back to `fallback`'s call, so a last ack or Ctrl-C is not lost.
 */
export function portChannel(port: TerminalPortClient, fallback: TerminalChannel): TerminalChannel {
  return {
    via: 'port',
    onData: (l) => port.onData(l),
    onStatus: (l) => port.onStatus(l),
    ack: (id, bytes, lines) => void (port.ack(id, bytes, lines) || fallback.ack(id, bytes, lines)),
    input: (id, data) => void (port.input(id, data) || fallback.input(id, data)),
    interrupt: (id) => void (port.interrupt(id) || fallback.interrupt(id)),
  }
}
