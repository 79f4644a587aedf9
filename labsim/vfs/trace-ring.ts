import type { TracingState } from '../model/kernel'
import { TRACE_CPUS } from '../model/kernel'

/** Bytes the ftrace ring holds: `buffer_size_kb` × 1024 per CPU, times the CPU count. */
export function traceRingBytes(tracing: TracingState): number {
  return tracing.bufferSizeKb * 1024 * TRACE_CPUS
}

/**
 * The line a consuming reader sees before the first event it gets after events were overwritten
 * (kernel/trace/trace.c print_trace_line:
 * `trace_seq_printf(&iter->seq, "CPU:%d [LOST %lu EVENTS]\n", iter->cpu, iter->lost_events)`).
 * labsim does not model which CPU traced an event, so every loss is reported on CPU 0.
 */
export function lostLine(count: number): string {
  return `CPU:0 [LOST ${count} EVENTS]\n`
}

/**
 * What one `trace_pipe` reader has not read yet: the ftrace ring in its default overwrite mode
 * (`options/overwrite` = 1). Events (formatted lines) queue up to `limit()` bytes; a push past it
 * drops the oldest unread events and counts them, and the next read starts with the LOST line.
 *
 * Simplifications, each on purpose: the kernel's ring is per CPU and overwrites whole pages of
 * binary records; here one queue of text lines is bounded by the total of all CPUs (size in
 * UTF-16 code units, i.e. bytes for ASCII trace lines) and drops whole events, so the LOST count
 * is exact. `limit()` is read on every push: resizing `buffer_size_kb` takes effect at the next
 * event. Every reader has its own ring (labsim broadcasts events to each open trace_pipe).
 */
export class TraceRing {
  private lines: string[] = []
  private head = 0
  private bytes = 0
  private lost = 0
  private wake: (() => void) | undefined

  /** `limit()`: the ring size in bytes, read on every push. */
  constructor(private readonly limit: () => number) {}

  /** Unread events (not counting those lost). */
  get pending(): number {
    return this.lines.length - this.head
  }

  /** Queues one traced line (with its newline), overwriting the oldest unread ones if full. */
  push(line: string): void {
    this.lines.push(line)
    this.bytes += line.length
    const limit = this.limit()
    while (this.bytes > limit && this.head < this.lines.length) {
      this.bytes -= (this.lines[this.head++] as string).length
      this.lost++
    }
    this.compact()
    this.wake?.()
  }

  /**
   * Takes one read: whole lines up to `maxBytes` (a longer line goes alone), preceded by the
   * LOST line when events were overwritten since the last read. Answers '' when nothing is
   * unread (a loss is reported only with the event that follows it, like the kernel).
   */
  take(maxBytes: number): string {
    if (this.pending === 0) return ''
    let read = this.lost > 0 ? lostLine(this.lost) : ''
    this.lost = 0
    do {
      const line = this.lines[this.head] as string
      if (read.length > 0 && read.length + line.length > maxBytes) break
      read += line
      this.bytes -= line.length
      this.head++
    } while (this.head < this.lines.length)
    this.compact()
    return read
  }

  /** Resolves once an event is unread or `signal` aborts. */
  async wait(signal: AbortSignal): Promise<void> {
    if (this.pending > 0 || signal.aborted) return
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.wake = undefined
        signal.removeEventListener('abort', done)
        resolve()
      }
      this.wake = done
      signal.addEventListener('abort', done, { once: true })
    })
  }

  /** Drops consumed slots once they are most of the array (amortised O(1) per event). */
  private compact(): void {
    if (this.head === this.lines.length) {
      this.lines = []
      this.head = 0
    } else if (this.head > 4096 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head)
      this.head = 0
    }
  }
}
