import type { Finding } from '../../contract'
import type { FindingPlace } from './invariants'
import type { CommandRunner } from './ports'

/**
 * A cursor over the kernel log by printk sequence number: each `delta()` returns every record
 * printed since the last call, however many (a `WARNING:` followed by 6,000 lines in one step
 * is found), and counts the records the kernel's ring overwrote before they were read.
 *
 * Source: /dev/kmsg (Documentation/ABI/testing/dev-kmsg; kernel/printk/printk.c
 * `devkmsg_read`): one record per read, `<prio>,<seq>,<usec>,<flags>;<text>` with non-printable
 * bytes as `\xNN`, continuation lines ` KEY=value`; a fresh reader starts at the oldest record
 * still in the ring, and `iflag=nonblock` makes the read after the last record fail with EAGAIN,
 * which ends `dd` (exit 1). test/fixtures/hostile/dev_kmsg_dd_nonblock.txt is a real capture.
 * Sequence numbers only grow within a boot, so a first record newer than the cursor + 1 means
 * the ring wrapped past unread records (`dmesg-lost`); a sequence that went back means a reboot.
 */

/** The command the cursor runs (coreutils dd; 8192 ≥ the kernel's largest record). */
export const DMESG_COMMAND = 'dd if=/dev/kmsg iflag=nonblock bs=8192 status=none'

/** What dd prints when the nonblocking read after the last record finds nothing: the normal end. */
const EAGAIN = 'Resource temporarily unavailable'

/** One /dev/kmsg record. `text` is as the kernel escaped it (printable ASCII, `\xNN`). */
export interface KmsgRecord {
  readonly prio: number
  readonly seq: number
  /** Microseconds since boot. */
  readonly usec: number
  readonly text: string
}

const RECORD = /^(\d+),(\d+),(\d+),[^;]*;(.*)$/

/** Parses /dev/kmsg output; continuation lines (` KEY=value`) and malformed lines are skipped. */
export function parseKmsg(text: string): KmsgRecord[] {
  const out: KmsgRecord[] = []
  for (const line of text.split('\n')) {
    const m = RECORD.exec(line)
    if (!m) continue
    out.push({ prio: Number(m[1]), seq: Number(m[2]), usec: Number(m[3]), text: m[4] ?? '' })
  }
  return out
}

/** A record as `dmesg` prints it: `[    5.123456] text` (`[%5lu.%06lu]`). */
export function dmesgLineOf(r: KmsgRecord): string {
  const secs = Math.floor(r.usec / 1e6)
  const micros = String(r.usec % 1e6).padStart(6, '0')
  return `[${String(secs).padStart(5, ' ')}.${micros}] ${r.text}`
}

/** The records after `cursor` (a sequence number), the records lost before them, the new cursor. */
export interface KmsgDelta {
  readonly lines: string[]
  /** Records the ring overwrote between `cursor` and what was read (and gaps inside it). */
  readonly lost: number
  /** Sequence numbers of the first and last record lost, when any. */
  readonly lostRange?: readonly [number, number]
  readonly cursor: number | undefined
}

/**
 * Lines after `cursor` (undefined = none seen yet → everything, nothing lost). A log whose
 * sequence went back (a reboot) is returned whole.
 */
export function kmsgAfter(records: readonly KmsgRecord[], cursor: number | undefined): KmsgDelta {
  const last = records.at(-1)?.seq
  if (cursor === undefined || last === undefined || last < cursor)
    return { lines: records.map(dmesgLineOf), lost: 0, cursor: last ?? cursor }
  const fresh = records.filter((r) => r.seq > cursor)
  let lost = 0
  let range: [number, number] | undefined
  let expect = cursor + 1
  for (const r of fresh) {
    if (r.seq > expect) {
      lost += r.seq - expect
      range = [range?.[0] ?? expect, r.seq - 1]
    }
    expect = r.seq + 1
  }
  return {
    lines: fresh.map(dmesgLineOf),
    lost,
    ...(range ? { lostRange: range } : {}),
    cursor: last,
  }
}

/** The `dmesg-lost` finding of a delta that lost records: the step cannot be called clean. */
export function dmesgLostFinding(delta: KmsgDelta, place: FindingPlace): Finding {
  const range = delta.lostRange ? ` (seq ${delta.lostRange[0]}–${delta.lostRange[1]})` : ''
  return {
    severity: 'error',
    invariant: 'dmesg-lost',
    message:
      `the kernel log ring overwrote ${delta.lost} records${range} before they were read: ` +
      `a splat among them would be missed (raise log_buf_len, or shorten the step)`,
    step: place.step,
    ...(place.iteration === undefined ? {} : { iteration: place.iteration }),
  }
}

/** A stateful reader of kernel-log deltas over a runner. */
export class DmesgCursor {
  private cursor: number | undefined
  /** The last delta (lost records included). */
  last: KmsgDelta = { lines: [], lost: 0, cursor: undefined }
  /** Why the log cannot be read (e.g. `dmesg_restrict`), once a read came back empty with an error. */
  unavailable: string | undefined

  constructor(private readonly runner: CommandRunner) {}

  /** Moves the cursor to the end of the log without returning lines. */
  async start(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.delta(timeoutMs, signal)
    this.last = { lines: [], lost: 0, cursor: this.cursor }
  }

  /** New lines since the last call (`last.lost` counts overwritten ones); empty when unreadable. */
  async delta(timeoutMs: number, signal?: AbortSignal): Promise<string[]> {
    const r = await this.runner.exec(DMESG_COMMAND, { timeoutMs, ...(signal ? { signal } : {}) })
    const err = r.stderr.trim()
    // dd always ends in an error: EAGAIN after the last record is the normal one.
    if (r.stdout === '' && err !== '' && !err.includes(EAGAIN)) {
      this.unavailable = err
      this.last = { lines: [], lost: 0, cursor: this.cursor }
      return []
    }
    this.last = kmsgAfter(parseKmsg(r.stdout), this.cursor)
    this.cursor = this.last.cursor
    return this.last.lines
  }
}
