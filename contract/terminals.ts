import { z } from 'zod'

/**
 * Terminal panes and their flow control (docs/design.md §Terminals and flow control).
 *
 * Bytes go SSH → main → front door → xterm; the renderer acks consumed bytes from xterm's write
 * callback and main pauses the ssh2 stream above the high watermark.
 */

export const TerminalKind = z.enum(['trace', 'dmesg', 'devlink-monitor', 'shell'])
export type TerminalKind = z.infer<typeof TerminalKind>

/** Flow-control constants in bytes (docs/perf.md §3c, docs/anchors.md §0.3). */
export const FLOW = {
  /** The renderer acks about every this many bytes written into xterm. */
  ackBytes: 100_000,
  /** Main pauses the ssh2 stream above this many unacked bytes. */
  highWatermark: 2_000_000,
  /**
   * …and resumes below this: half the window, so xterm still has about 60 ms of bytes queued
   * while the resumed SSH stream and the 16 ms coalescer refill it (issue 19: resuming at 250 KB
   * let a flooded pane run dry, ~20% of its time idle).
   */
  lowWatermark: 1_000_000,
  /** Coalescing interval for output chunks in ms. */
  coalesceMs: 16,
} as const

export const TerminalOpenRequest = z.object({
  hostId: z.string(),
  kind: TerminalKind,
  cols: z.number().int().min(2).max(1000).default(120),
  rows: z.number().int().min(2).max(500).default(30),
  /** dmesg filter: only lines naming this BDF or netdev. */
  filter: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/)
    .optional(),
})
export type TerminalOpenRequest = z.infer<typeof TerminalOpenRequest>

/**
 * `via`: how main sends this stream's bytes and status for its whole life: over the page's
 * terminal port (contract/terminal-port.ts, Electron) or as `terminals:data`/`terminals:status`
 * events (absent: events). The page listens on that one channel and sends acks, input and Ctrl-C
 * back the same way.
 */
export const TerminalOpened = z.object({
  streamId: z.string(),
  logPath: z.string().optional(),
  via: z.enum(['port', 'events']).optional(),
})

/** A chunk of terminal output; `seq` counts chunks per stream from 0. */
export const TerminalData = z.object({
  streamId: z.string(),
  seq: z.number().int(),
  data: z.instanceof(Uint8Array),
})
export type TerminalData = z.infer<typeof TerminalData>

/** Stream lifecycle notices, e.g. parked during an expected reset. */
export const TerminalStatus = z.object({
  streamId: z.string(),
  state: z.enum(['open', 'parked', 'reconnecting', 'closed', 'failed']),
  message: z.string().optional(),
  /** Lines counted by main so far, to compare with the renderer's count. */
  linesSent: z.number().int().optional(),
  /** Lines the renderer reported written into xterm (its acks); equal to `linesSent` when nothing was lost. */
  linesAcked: z.number().int().optional(),
})
export type TerminalStatus = z.infer<typeof TerminalStatus>
