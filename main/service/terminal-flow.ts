import { FLOW } from '../../contract'

/** What the flow window tells its source to do after an event. */
export type FlowAction = 'pause' | 'resume' | 'none'

/**
 * The acknowledgement window between main and one terminal pane (docs/design.md §Terminals).
 *
 * `sent(bytes)` counts bytes pushed to the renderer; `acked(bytes)` counts what xterm's write
 * callback reported consumed. Above `high` unacked bytes the source must pause; once paused it
 * resumes below `low`. The window matches ssh2's 2 MiB channel window order of magnitude
 * (docs/anchors.md §0.3: a too-small window costs round trips on slow links).
 */
export class FlowWindow {
  private unacked = 0
  private paused = false

  constructor(
    private readonly high: number = FLOW.highWatermark,
    private readonly low: number = FLOW.lowWatermark,
  ) {}

  /** Records bytes sent; answers `pause` when the window just filled. */
  sent(bytes: number): FlowAction {
    this.unacked += bytes
    if (!this.paused && this.unacked > this.high) {
      this.paused = true
      return 'pause'
    }
    return 'none'
  }

  /** Records bytes acknowledged; answers `resume` when the window drained below `low`. */
  acked(bytes: number): FlowAction {
    this.unacked = Math.max(0, this.unacked - bytes)
    if (this.paused && this.unacked < this.low) {
      this.paused = false
      return 'resume'
    }
    return 'none'
  }

  /** Bytes sent and not yet acknowledged. */
  get pending(): number {
    return this.unacked
  }

  get isPaused(): boolean {
    return this.paused
  }
}

/**
 * Coalesces output chunks for at most `intervalMs` before flushing, with an idle fast path:
 * the first chunk after a quiet period goes out at once, so an interactive echo is not delayed.
 * Chunks are concatenated as bytes (a split UTF-8 sequence stays intact for xterm to join).
 */
export class Coalescer {
  private parts: Uint8Array[] = []
  private size = 0
  private timer: ReturnType<typeof setTimeout> | null = null
  private lastFlush = 0

  constructor(
    private readonly flush: (chunk: Uint8Array) => void,
    private readonly intervalMs: number = FLOW.coalesceMs,
    private readonly maxBytes: number = 256 * 1024,
  ) {}

  /** Adds a chunk; flushes now when idle or when `maxBytes` are waiting. */
  push(chunk: Uint8Array): void {
    this.parts.push(chunk)
    this.size += chunk.length
    const idle = this.timer === null && Date.now() - this.lastFlush >= this.intervalMs
    if (idle || this.size >= this.maxBytes) {
      this.drain()
      return
    }
    this.timer ??= setTimeout(() => this.drain(), this.intervalMs)
  }

  /** Flushes whatever is waiting (also used on close). */
  drain(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (this.size === 0) return
    const chunk = this.parts.length === 1 ? this.parts[0]! : concat(this.parts, this.size)
    this.parts = []
    this.size = 0
    this.lastFlush = Date.now()
    this.flush(chunk)
  }

  /** Stops the timer without flushing. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.parts = []
    this.size = 0
  }
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
