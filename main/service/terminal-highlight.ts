/**
 * Highlights the lines a lab engineer must not miss in a terminal pane, and links each one to
 * the drill step that was running when it arrived (issue 8 §Highlights).
 *
 * What is highlighted, with the kernel source of each message:
 * - `fatal`: `Fatal error <n> detected` (drivers/net/ethernet/mellanox/mlx5/core/health.c
 *   poll_health; docs/domain.md §3.2), `unrecoverable`, `device's health compromised`;
 * - `splat`: lockdep/WARN/BUG/oops lines (`cut here`, `WARNING:`, `BUG:`, `Oops:`, `Call Trace:`,
 *   `RIP:`, `end trace`, `general protection fault`, `Kernel panic`, `INFO: task … blocked`);
 * - `lost`: `CPU:<n> [LOST <count> EVENTS]` (or `[LOST EVENTS]` when the count is unknown), the
 *   line ftrace prints where the host's ring overwrote unread events (kernel/trace/trace.c
 *   print_trace_line: `trace_seq_printf(&iter->seq, "CPU:%d [LOST %lu EVENTS]\n", iter->cpu,
 *   iter->lost_events)`): the trace has a gap on the host, not in replab;
 * - `recovery`: `health recovery` (health.c mlx5_health_try_recover, docs/domain.md §3.2);
 * - `eswitch`: `E-Switch: Enable:` / `Disable:` / `Unload vfs:` / `cleanup` (eswitch.c, docs/domain.md
 *   §3.4);
 * - `fw`: `mlx5_fw:` firmware tracer events (diag/fw_tracer_tracepoint.h, docs/domain.md §3.1).
 *
 * The transform only inserts escape sequences around whole lines: an SGR colour, and while a
 * drill runs an OSC 8 hyperlink `replab://drill/<runId>/step/<n>` (`n` = index of the step in the
 * drill's report). Newline bytes are never added or removed, so line counts are unchanged; the
 * session log keeps the raw bytes.
 */

/** The highlight classes, most severe first. */
export type HighlightKind = 'fatal' | 'splat' | 'lost' | 'recovery' | 'eswitch' | 'fw'

/** Patterns per class, tested in this order (the first match names the class). */
export const HIGHLIGHT_RULES: ReadonlyArray<{ kind: HighlightKind; pattern: RegExp; sgr: string }> =
  [
    {
      kind: 'fatal',
      pattern: /Fatal error \d+ detected|unrecoverable|health compromised/,
      sgr: '\x1b[1;31m',
    },
    {
      kind: 'splat',
      pattern:
        /\[ cut here \]|\bWARNING: |\bBUG: |\bOops: |Call Trace:|\bRIP: |---\[ end trace|general protection fault|Kernel panic|INFO: task .* blocked/,
      sgr: '\x1b[31m',
    },
    // Bold red on a reversed background: as loud as a fatal error, but not mistaken for one.
    { kind: 'lost', pattern: /\bCPU:\d+ \[LOST (?:\d+ )?EVENTS\]/, sgr: '\x1b[1;7;31m' },
    { kind: 'recovery', pattern: /health recovery/, sgr: '\x1b[1;35m' },
    {
      kind: 'eswitch',
      pattern: /E-Switch: (?:Enable|Disable|Unload vfs|cleanup)/,
      sgr: '\x1b[33m',
    },
    { kind: 'fw', pattern: /mlx5_fw:/, sgr: '\x1b[36m' },
  ]

/** Any rule: the cheap first test of a whole chunk. */
const ANY = new RegExp(HIGHLIGHT_RULES.map((r) => r.pattern.source).join('|'))

/** Every rule but the firmware tracer's: a chunk without it needs no per-line classification. */
const SEVERE = new RegExp(
  HIGHLIGHT_RULES.filter((r) => r.kind !== 'fw')
    .map((r) => r.pattern.source)
    .join('|'),
)

/**
 * Literals one of which every `SEVERE` match contains: a chunk with none of them cannot match,
 * and `indexOf` finds that in about half the time of the regex (a flood is all such chunks).
 */
const SEVERE_HINTS = [
  ...['Fatal error', 'unrecoverable', 'health compromised', '[ cut here ]', 'WARNING: '],
  ...['BUG: ', 'Oops: ', 'Call Trace:', 'RIP: ', '---[ end trace', 'general protection fault'],
  ...['Kernel panic', 'INFO: task ', ' [LOST ', 'health recovery', 'E-Switch: '],
]

/** Whether `text` has a line more severe than `fw` (`SEVERE`, after the cheap literal test). */
function severe(text: string): boolean {
  return SEVERE_HINTS.some((h) => text.includes(h)) && SEVERE.test(text)
}

/** What the `fw` rule looks for (its pattern is this literal). */
const FW_MARK = 'mlx5_fw:'

/** Longest partial line kept for classification, in characters (a longer line is passed raw). */
const MAX_PARTIAL = 4096

/** The drill step running on a host: `step` is the index of its record in the report's steps. */
export interface DrillStepRef {
  readonly runId: string
  readonly step: number
}

/** Class of one line (without its newline), or null. */
export function classifyLine(line: string): HighlightKind | null {
  if (!ANY.test(line)) return null
  for (const r of HIGHLIGHT_RULES) if (r.pattern.test(line)) return r.kind
  return null
}

/** The link of a drill step as written into panes (parsed back by the renderer). */
export function drillStepUri(ref: DrillStepRef): string {
  return `replab://drill/${encodeURIComponent(ref.runId)}/step/${ref.step}`
}

const SGR_OF = new Map(HIGHLIGHT_RULES.map((r) => [r.kind, r.sgr]))

/**
 * Streaming highlighter of one pane. `push(chunk)` answers the bytes to send now; with
 * `holdTail` (read-only, line-oriented panes) a trailing partial line is held until its newline
 * arrives or `release()` is called (the owner calls it after ≤16 ms), so a line split across SSH
 * packets is still highlighted whole. Without it (the interactive shell) nothing is delayed: a
 * partial line goes out at once and its highlight starts where the match became visible.
 * Bytes are handled as latin1 (1:1), so UTF-8 sequences pass through intact.
 */
export class LineHighlighter {
  /** The current line so far (latin1), when it started in an earlier chunk. */
  private partial = ''
  /** A highlight (SGR and maybe OSC 8) is open and must be closed at the end of the line. */
  private open: { link: boolean } | null = null
  private held = ''

  constructor(
    /** The drill step a highlighted line links to, given the line's text so far (latin1). */
    private readonly stepOf: (line: string) => DrillStepRef | null,
    private readonly holdTail: boolean,
  ) {}

  /** Transforms one chunk of remote output; may answer an empty array (tail held). */
  push(chunk: Uint8Array): Uint8Array {
    const fresh = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1')
    let text = this.held + fresh
    const unchanged = this.held === ''
    this.held = ''
    const end = text.lastIndexOf('\n')
    const tailLength = text.length - end - 1
    if (
      this.holdTail &&
      tailLength > 0 &&
      tailLength <= MAX_PARTIAL &&
      this.partial === '' &&
      !this.open
    ) {
      this.held = text.slice(end + 1)
      text = text.slice(0, end + 1)
    }
    if (!this.open && this.partial === '' && !ANY.test(text)) {
      const tail = text.slice(text.lastIndexOf('\n') + 1)
      this.partial = tail.length > MAX_PARTIAL ? '' : tail
      return unchanged && this.held === '' ? chunk : Buffer.from(text, 'latin1')
    }
    // A firmware-trace flood: whole lines, none more severe than `fw`. The lines to colour are
    // found with indexOf instead of testing every rule on every line.
    if (!this.open && this.partial === '' && text.endsWith('\n') && !severe(text)) {
      return Buffer.from(this.fwLines(text), 'latin1')
    }
    return Buffer.from(this.transform(text), 'latin1')
  }

  /**
   * `transform` of complete lines none of which is more severe than `fw`: the same output (a
   * line naming `mlx5_fw:` opened with its highlight and link, closed before its `\r\n`).
   */
  private fwLines(text: string): string {
    const parts: string[] = []
    let at = 0
    for (let p = text.indexOf(FW_MARK, at); p !== -1; p = text.indexOf(FW_MARK, at)) {
      const start = text.lastIndexOf('\n', p) + 1
      const end = text.indexOf('\n', p)
      if (start > at) parts.push(text.slice(at, start))
      const line = text.slice(start, end)
      const cr = line.endsWith('\r')
      parts.push(this.opener('fw', line), cr ? line.slice(0, -1) : line, this.closer())
      parts.push(cr ? '\r\n' : '\n')
      this.open = null
      at = end + 1
    }
    parts.push(text.slice(at))
    return parts.join('')
  }

  /** Whether a partial line is held (the owner should schedule `release()`). */
  get holding(): boolean {
    return this.held !== ''
  }

  /** Emits a held partial line now (its highlight, if any, stays open until its newline). */
  release(): Uint8Array {
    const text = this.held
    this.held = ''
    return text ? Buffer.from(this.transform(text), 'latin1') : new Uint8Array(0)
  }

  /**
   * Bytes to write before an injected marker line: the held tail and the close of an open
   * highlight. The state restarts at a line start (the marker begins and ends with CRLF).
   */
  interrupt(): Uint8Array {
    const text = this.held + (this.open ? this.closer() : '')
    this.held = ''
    this.partial = ''
    this.open = null
    return Buffer.from(text, 'latin1')
  }

  private transform(text: string): string {
    let out = ''
    let at = 0
    while (at < text.length) {
      const nl = text.indexOf('\n', at)
      const piece = nl < 0 ? text.slice(at) : text.slice(at, nl)
      out += this.line(piece, nl >= 0)
      at = nl < 0 ? text.length : nl + 1
    }
    return out
  }

  /** One line or line fragment; `complete` when its newline follows. */
  private line(piece: string, complete: boolean): string {
    let out: string
    if (this.open) out = piece
    else {
      const line = this.partial + piece
      const kind = classifyLine(line)
      out = kind ? this.opener(kind, line) + piece : piece
    }
    if (complete) {
      if (this.open)
        out = out.endsWith('\r') ? `${out.slice(0, -1)}${this.closer()}\r` : out + this.closer()
      this.open = null
      this.partial = ''
      return `${out}\n`
    }
    this.partial = this.partial.length + piece.length > MAX_PARTIAL ? '' : this.partial + piece
    return out
  }

  private opener(kind: HighlightKind, line: string): string {
    const ref = this.stepOf(line)
    this.open = { link: ref !== null }
    const link = ref ? `\x1b]8;;${drillStepUri(ref)}\x1b\\` : ''
    return link + (SGR_OF.get(kind) ?? '')
  }

  private closer(): string {
    return this.open?.link ? '\x1b[0m\x1b]8;;\x1b\\' : '\x1b[0m'
  }
}
