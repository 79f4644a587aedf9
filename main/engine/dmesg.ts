import type { CommandRunner } from './ports'

/**
 * A cursor over the kernel log: each `delta()` returns the `dmesg` lines printed since the last
 * call, keyed on the `[ seconds.micros]` timestamp prefix (domain.md §3.4 shows the format).
 */

/** The command the cursor runs: the newest 5000 lines are plenty between two steps. */
export const DMESG_COMMAND = 'dmesg | tail -n 5000'

const STAMP = /^\[\s*(\d+\.\d+)\]/

/** The timestamp of a dmesg line in seconds, or undefined for continuation lines. */
export function dmesgStamp(line: string): number | undefined {
  const m = STAMP.exec(line)
  return m?.[1] === undefined ? undefined : Number(m[1])
}

/**
 * Lines after `cursor` (seconds; undefined = none seen yet → everything), and the new cursor.
 * A log that restarted (timestamps went back, e.g. a reboot) is returned whole.
 */
export function dmesgAfter(
  text: string,
  cursor: number | undefined,
): { lines: string[]; cursor: number | undefined } {
  const lines = text.split('\n').filter((l) => l.length > 0)
  let last: number | undefined
  for (const l of lines) last = dmesgStamp(l) ?? last
  if (cursor === undefined || last === undefined || last < cursor) return { lines, cursor: last }
  let take = false
  const out: string[] = []
  for (const l of lines) {
    const t = dmesgStamp(l)
    if (t !== undefined) take = t > cursor
    if (take) out.push(l)
  }
  return { lines: out, cursor: last }
}

/** A stateful reader of dmesg deltas over a runner. */
export class DmesgCursor {
  private cursor: number | undefined
  /** Why the log cannot be read (e.g. `dmesg_restrict`), once a read came back empty with an error. */
  unavailable: string | undefined

  constructor(private readonly runner: CommandRunner) {}

  /** Moves the cursor to the end of the log without returning lines. */
  async start(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.delta(timeoutMs, signal)
  }

  /** New lines since the last call; empty when dmesg is unreadable (no permission). */
  async delta(timeoutMs: number, signal?: AbortSignal): Promise<string[]> {
    const r = await this.runner.exec(DMESG_COMMAND, { timeoutMs, ...(signal ? { signal } : {}) })
    // With the pipe, a refused `dmesg` shows as empty stdout plus its complaint on stderr.
    if (r.code !== 0 || (r.stdout === '' && r.stderr.trim() !== '')) {
      this.unavailable = r.stderr.trim() || `exit ${r.code}`
      return []
    }
    const next = dmesgAfter(r.stdout, this.cursor)
    this.cursor = next.cursor
    return next.lines
  }
}
