import type { Readable } from 'node:stream'

import type { TerminalOpenRequest } from '../../contract'
import type { SessionLog } from './session-log'
import type { Coalescer, FlowWindow } from './terminal-flow'
import type { LineHighlighter } from './terminal-highlight'

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

/**
 * Called after a read-only pane reconnected: re-enables the firmware tracer when the pane is a
 * trace tail and the tracer was on; answers what it did (for the marker line) or null.
 */
export type TerminalRearm = (hostId: string, request: TerminalOpenRequest) => Promise<string | null>

/** One open pane as TerminalManager (terminals.ts) keeps it; owned and disposed there. */
export interface Pane {
  readonly request: TerminalOpenRequest
  channel: TerminalChannel
  readonly streamId: string
  readonly sessionId: string
  readonly hostId: string
  readonly flow: FlowWindow
  readonly coalescer: Coalescer
  /** Colours and links notable lines; holds a read-only pane's partial line ≤ coalesceMs. */
  readonly highlight: LineHighlighter
  holdTimer: ReturnType<typeof setTimeout> | null
  readonly log: SessionLog
  readonly abort: AbortController
  seq: number
  /** Why the pane is parked for an expected device drop (a drill step or an op), or null. */
  dropParked: string | null
  /** The stream dropped and `reconnect` is reopening it. */
  reconnecting: boolean
  linesSent: number
  linesAcked: number
  /** Timer of the throttled line-count status push. */
  countTimer: ReturnType<typeof setTimeout> | null
}
