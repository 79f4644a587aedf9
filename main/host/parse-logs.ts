import { fail, isObject, ok, parseJson, type ParseContext, type ParseResult } from './parse-result'

/**
 * Parsers of kernel logs and traces: dmesg lines (docs/domain.md §3.4), ftrace `trace_pipe` lines
 * (§3.1), the mlx5 firmware tracer payload (upstream `mlx5:mlx5_fw`, OFED `mlx5:fw_tracer`) and
 * the two crdump sources (§3.3). None throws.
 */

/** One dmesg line. */
export interface DmesgLine {
  /** Seconds since boot (`[  523.467798]`), null for lines without a timestamp. */
  readonly time: number | null
  /** Driver and device of `dev_printk` lines, e.g. `mlx5_core` / `0000:81:00.1`. */
  readonly driver?: string
  readonly device?: string
  /** Netdev of netdev-scoped lines (`mlx5_core <bdf> <ifname>: …`). */
  readonly ifname?: string
  /** `function:line` of `mlx5_core_err/warn` lines; `pid` when printed. */
  readonly func?: string
  readonly line?: number
  readonly pid?: number
  readonly message: string
  /** True for kernel splats the engine's invariants look for (docs/design.md §Lifecycle engine). */
  readonly splat: boolean
}

const SPLAT =
  /WARNING:|BUG:|Call Trace|possible circular locking dependency|KASAN|hung_task|blocked for more than/

const DEV_LINE =
  /^([a-z0-9_]+) ([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]|netdevsim\d+)(?: ([A-Za-z0-9_.-]{1,15}))?: (.*)$/

/**
 * Parses one dmesg line (`dmesg` default format). Always succeeds for a single line: the
 * structure is best effort, `message` keeps the rest verbatim.
 */
export function parseDmesgLine(text: string): DmesgLine {
  const ts = /^\[\s*(\d+\.\d+)\] ?(.*)$/.exec(text)
  const time = ts === null ? null : Number(ts[1])
  const body = ts === null ? text : (ts[2] ?? '')
  const splat = SPLAT.test(body)
  const dev = DEV_LINE.exec(body)
  if (dev === null) return { time, message: body, splat }
  const rest = dev[4] ?? ''
  const fn = /^([A-Za-z0-9_]+):(\d+):(?:\(pid (\d+)\): )? ?(.*)$/.exec(rest)
  return {
    time,
    driver: dev[1] ?? '',
    device: dev[2] ?? '',
    ...(dev[3] === undefined ? {} : { ifname: dev[3] }),
    ...(fn === null
      ? { message: rest }
      : {
          func: fn[1] ?? '',
          line: Number(fn[2]),
          ...(fn[3] === undefined ? {} : { pid: Number(fn[3]) }),
          message: fn[4] ?? '',
        }),
    splat,
  }
}

/** Parses a whole dmesg dump: one entry per non-empty line. Never fails. */
export function parseDmesg(text: string): DmesgLine[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(parseDmesgLine)
}

/** One ftrace line of `trace` / `trace_pipe`. */
export interface TraceLine {
  readonly comm: string
  readonly pid: number
  readonly cpu: number
  /** irqs-off / need-resched / hardirq / preempt flags, e.g. `b..1.`. */
  readonly flags: string
  /** Seconds (trace clock). */
  readonly time: number
  readonly event: string
  readonly payload: string
}

const TRACE = /^\s*(.+)-(\d+)\s+\[(\d{3})\]\s+(\S+)\s+(\d+\.\d+): ([A-Za-z0-9_]+): ?(.*)$/

/**
 * Parses one ftrace line: `<comm>-<pid> [cpu] <flags> <secs>: <event>: <payload>` (docs/domain.md
 * §3.1; real lines in test/fixtures/netdevsim/71_trace_pipe.txt). Comments (`#`) and lost-event
 * notices are errors for the caller to skip.
 */
export function parseTraceLine(ctx: ParseContext, text: string): ParseResult<TraceLine> {
  const m = TRACE.exec(text)
  if (m === null) return fail(ctx, 'not an ftrace line', text)
  return ok({
    comm: (m[1] ?? '').trim(),
    pid: Number(m[2]),
    cpu: Number(m[3]),
    flags: m[4] ?? '',
    time: Number(m[5]),
    event: m[6] ?? '',
    payload: m[7] ?? '',
  })
}

/** A firmware tracer record: `TP_printk("%s [0x%llx] %d [0x%x] %s")` of fw_tracer_tracepoint.h. */
export interface FwTrace {
  readonly devName: string
  /** Device timestamp as hex text (u64 does not fit a double). */
  readonly traceTimestamp: string
  readonly lost: boolean
  readonly eventId: number
  readonly msg: string
}

/** The two tracer event names: upstream `mlx5_fw`, MLNX_OFED < 4.6 `fw_tracer` (§3.1). */
export const FW_TRACE_EVENTS = ['mlx5_fw', 'fw_tracer'] as const

/** Parses a trace line whose event is `mlx5_fw` or `fw_tracer` into a `FwTrace`. */
export function parseFwTrace(ctx: ParseContext, text: string): ParseResult<FwTrace> {
  const line = parseTraceLine(ctx, text)
  if (!line.ok) return line
  if (!(FW_TRACE_EVENTS as readonly string[]).includes(line.value.event)) {
    return fail(ctx, `not a firmware tracer event (${line.value.event})`, text)
  }
  const m = /^(\S+) \[0x([0-9a-f]+)\] (-?\d+) \[0x([0-9a-f]+)\] ?(.*)$/.exec(line.value.payload)
  if (m === null) return fail(ctx, 'bad mlx5_fw payload', text, text.indexOf(line.value.payload))
  return ok({
    devName: m[1] ?? '',
    traceTimestamp: `0x${m[2] ?? ''}`,
    lost: m[3] !== '0',
    eventId: Number.parseInt(m[4] ?? '0', 16),
    msg: m[5] ?? '',
  })
}

/** Where a crdump can be collected, from the discovery `crdump` section. */
export interface CrdumpSources {
  /** BDFs with an MLNX_OFED `/proc/driver/mlx5_core/crdump/<bdf>` file. */
  readonly ofed: readonly string[]
}

/** Parses the discovery `crdump` section (`ofed <path>` lines; unmatched globs ignored). */
export function parseCrdumpSection(text: string): CrdumpSources {
  const ofed: string[] = []
  for (const line of text.split('\n')) {
    const m = /^ofed .*\/([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])$/.exec(line.trim())
    if (m?.[1] !== undefined) ofed.push(m[1])
  }
  return { ofed }
}

/**
 * Parses an upstream crdump: `devlink -j health dump show <pf> reporter fw_fatal` →
 * `{"crdump_data":[bytes…]}` (health.c `mlx5_fw_fatal_reporter_dump`, docs/domain.md §2.4).
 */
export function parseCrdumpDevlink(ctx: ParseContext, text: string): ParseResult<Uint8Array> {
  const parsed = parseJson(ctx, text)
  if (!parsed.ok) return parsed
  const data = isObject(parsed.value) ? parsed.value.crdump_data : undefined
  if (!Array.isArray(data)) return fail(ctx, 'missing crdump_data', text)
  const bytes = new Uint8Array(data.length)
  for (let i = 0; i < data.length; i++) {
    const b = data[i]
    if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255) {
      return fail(ctx, `crdump_data[${i}] is not a byte`, text)
    }
    bytes[i] = b
  }
  return ok(bytes)
}

/**
 * Parses a hex-byte dump: the text form of `devlink health dump show … fw_fatal` (16 bytes per
 * line, `crdump_data:` header allowed) or `od -An -v -tx1` of the OFED
 * `/proc/driver/mlx5_core/crdump/<bdf>` file.
 */
export function parseCrdumpHex(ctx: ParseContext, text: string): ParseResult<Uint8Array> {
  const out: number[] = []
  let offset = 0
  for (const line of text.split('\n')) {
    const here = offset
    offset += line.length + 1
    const t = line.trim()
    if (t === '' || /^crdump_data:?$/.test(t)) continue
    for (const tok of t.split(/\s+/)) {
      if (!/^[0-9a-fA-F]{2}$/.test(tok)) return fail(ctx, 'not a hex byte', text, here)
      out.push(Number.parseInt(tok, 16))
    }
  }
  return ok(Uint8Array.from(out))
}
