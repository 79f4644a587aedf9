import { z } from 'zod'

import { calls } from './api'
import { TerminalData, TerminalStatus } from './terminals'

/**
 * The terminal port: terminal traffic of the Electron front door over a `MessagePort` (issue 8:
 * "the same over Electron IPC, where a MessagePort suits, and over the WebSocket").
 *
 * Main makes a `MessageChannelMain` per page load, keeps one end and hands the other to the
 * preload on `TERMINAL_PORT_CHANNEL`; the preload passes it to the page with
 * `window.postMessage(TERMINAL_PORT_TAG, origin, ports)`. The page answers `hello` on the port,
 * and from then on main sends the bytes and status of streams that page opens over the port.
 * Calls (open, resize, close) stay on IPC; acks, input and Ctrl-C go over the port and reach
 * the same dispatcher checks as `terminals:ack` / `terminals:input` / `terminals:interrupt`.
 * Messages are structured clones: data stays a `Uint8Array` (no base64, no JSON).
 */

/** IPC channel main → preload that carries the page's end of the port. */
export const TERMINAL_PORT_CHANNEL = 'terminals:port'

/** `window.postMessage` tag preload → page that carries the port in `event.ports[0]`. */
export const TERMINAL_PORT_TAG = 'replab:terminal-port'

/** Main → page: one chunk of a stream's output (`seq` counts chunks per stream from 0). */
export const PortData = TerminalData.extend({ t: z.literal('data') })
export type PortData = z.infer<typeof PortData>

/** Main → page: a stream's status (same fields as the `terminals:status` event). */
export const PortStatus = TerminalStatus.extend({ t: z.literal('status') })
export type PortStatus = z.infer<typeof PortStatus>

/** Every message main sends on the port. */
export const PortToRenderer = z.discriminatedUnion('t', [PortData, PortStatus])
export type PortToRenderer = z.infer<typeof PortToRenderer>

/**
 * Every message the page may send on the port. Field limits are the calls' own (contract/api.ts):
 * stream ids ≤64 characters, input ≤65,536 characters, acks as non-negative integers.
 * `hello`: the page holds the port and listens; main may now route new streams over it.
 */
export const PortToMain = z.discriminatedUnion('t', [
  z.object({ t: z.literal('hello') }),
  calls.terminals.ack.request.extend({ t: z.literal('ack') }),
  calls.terminals.input.request.extend({ t: z.literal('input') }),
  calls.terminals.interrupt.request.extend({ t: z.literal('interrupt') }),
])
export type PortToMain = z.infer<typeof PortToMain>
