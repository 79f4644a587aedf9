import { printkTime } from './clock'

/**
 * The printk ring as userspace sees it (kernel/printk/printk.c, Linux 6.12).
 *
 * Every record has a sequence number that only grows within a boot. The ring holds the newest
 * `capacity` records (the kernel's is sized in bytes, `log_buf_len`; a record count is close
 * enough for a model): older ones are overwritten, so a reader whose position fell out of the
 * ring continues at the oldest record still there and can tell from the sequence numbers how
 * many it lost. `dmesg -C` (SYSLOG_ACTION_CLEAR) only moves `clearSeq`: util-linux `dmesg`
 * starts there (`SEEK_DATA` on /dev/kmsg), a plain /dev/kmsg reader still sees every record.
 */

/** One printk record: `prio` is facility × 8 + level (kernel messages: facility 0). */
export interface PrintkRecord {
  readonly seq: number
  /** Seconds since boot. */
  readonly time: number
  readonly prio: number
  readonly text: string
}

/**
 * /dev/kmsg's escaping (printk.c `msg_add_ext_text`): every byte below 0x20, from 0x7f up, and
 * the backslash is written `\xNN`; so a record is one line of printable ASCII.
 */
export function kmsgEscape(text: string): string {
  let out = ''
  for (const byte of Buffer.from(text, 'utf8')) {
    out +=
      byte < 0x20 || byte >= 0x7f || byte === 0x5c
        ? `\\x${byte.toString(16).padStart(2, '0')}`
        : String.fromCharCode(byte)
  }
  return out
}

/**
 * util-linux `dmesg` output escaping: control characters (C0, DEL) as `\xNN`, printable text
 * (UTF-8 included) as is (util-linux 2.38 `fputs_nonprint`; test/fixtures/hostile/
 * dmesg_tail_escaped.txt shows `w\x1b[2K*`).
 */
export function dmesgEscape(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- escaping control characters is the point
    /[\x00-\x1f\x7f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  )
}

/** The bounded ring of one boot. */
export class PrintkRing {
  private readonly records: PrintkRecord[] = []
  private nextSeq = 0
  /** First sequence number `dmesg` shows (moved by `dmesg -C` / `-c`). */
  clearSeq = 0

  constructor(private readonly capacity: number) {}

  /** Appends a record; the oldest is overwritten beyond `capacity`. */
  push(time: number, text: string, prio: number): PrintkRecord {
    const record: PrintkRecord = { seq: this.nextSeq++, time, prio, text }
    this.records.push(record)
    if (this.records.length > this.capacity) this.records.shift()
    return record
  }

  /** Records still in the ring, oldest first. */
  all(): readonly PrintkRecord[] {
    return this.records
  }

  /** What `dmesg` shows: records from `clearSeq` on. */
  visible(): PrintkRecord[] {
    return this.records.filter((r) => r.seq >= this.clearSeq)
  }

  /** `dmesg -C`: hides everything printed so far from `dmesg` (not from /dev/kmsg). */
  clear(): void {
    this.clearSeq = this.nextSeq
  }
}

/** One record as a /dev/kmsg read returns it: `<prio>,<seq>,<usec>,-;<escaped text>\n`. */
export function kmsgLine(r: PrintkRecord): string {
  return `${r.prio},${r.seq},${Math.round(r.time * 1e6)},-;${kmsgEscape(r.text)}\n`
}

/** One record as `dmesg` prints it: `[ssss.uuuuuu] <text>\n`, controls escaped. */
export function dmesgLine(r: PrintkRecord): string {
  return `${printkTime(r.time)} ${dmesgEscape(r.text)}\n`
}
