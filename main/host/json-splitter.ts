import { parseJsonText, type Json } from './parse-result'

/**
 * Incremental JSON value splitter for monitor streams.
 *
 * iproute2 6.1 `devlink -j monitor` prints ONE growing document `{"mon":[{…},{…},…` that is never
 * closed (test/fixtures/netdevsim/70_devlink_monitor_j.txt ends in a json_writer assertion), so events
 * must be cut out of it as they complete. The splitter emits:
 * - every element of a top-level array `[ … ]` and of a top-level `{"mon": [ … ]}` as soon as
 *   the element closes;
 * - every other top-level value (one object per line, or back to back) when it closes.
 * Text outside JSON values (warnings, assertion messages) goes to `onGarbage` by line. Never throws.
 *
 * Brackets are matched on a stack, and a closer that does not match pops the unclosed openers
 * above its partner: iproute2 6.1/6.12 print the first health event as
 * `{"command":"status","health":{"<dev>":[{…}}}` (the `[` is never closed, fixture 70), and
 * without this every later event would be lost. Such an element does not parse and goes to
 * `onGarbage` whole, so callers can still recognise its `"command"` and object. Elements left
 * unterminated (trap-policer events lack `}}`) are cut at the next `{"command":`. Control
 * characters iproute2 prints raw inside strings (interface names) are decoded (parse-result.ts).
 *
 * Memory and time are bounded: each chunk is scanned once, and only the unfinished value (or
 * garbage line) is held, as the list of chunk pieces it spans, joined once when it completes.
 * A value that grows past `maxValueChars` (default 4 MiB) is an error for the stream: the
 * splitter calls `onOverflow` once and ignores everything after it; the owner ends the stream.
 */

/** Callbacks of a splitter. */
export interface JsonSplitterSink {
  onValue(value: Json, raw: string): void
  onGarbage?(text: string): void
  /** The unfinished value held `heldChars` characters, past the limit: the splitter stopped. */
  onOverflow?(heldChars: number): void
}

/** Options of `createJsonSplitter`. */
export interface JsonSplitterOptions {
  /** Largest unfinished value or garbage line held, in characters; default 4 MiB. */
  readonly maxValueChars?: number
}

/** A splitter fed with chunks of text. */
export interface JsonSplitter {
  push(chunk: string): void
  /** Flushes pending garbage; an unfinished value is dropped. */
  end(): void
  /** Characters of the unfinished value (or garbage line) held now. */
  readonly held: number
  /** True once a value overflowed the limit (the splitter ignores input from then on). */
  readonly failed: boolean
}

/** Default `maxValueChars`: no devlink or ip event comes near it (fixture 70's largest: 1 KiB). */
export const MAX_VALUE_CHARS = 4 * 1024 * 1024

/** Every `devlink -j monitor` element starts with this; seeing it deeper means the last one broke. */
const RESYNC = '{"command":'

/** What is being held: a top-level value, a stream element, or a garbage line. */
interface Recording {
  readonly kind: 'top' | 'elem' | 'garbage'
  /** Pieces from earlier chunks. */
  readonly parts: string[]
  held: number
  /** Where the recording starts in the current chunk (0 when it began in an earlier one). */
  from: number
}

/** Creates a splitter delivering values to `sink`. */
export function createJsonSplitter(
  sink: JsonSplitterSink,
  options: JsonSplitterOptions = {},
): JsonSplitter {
  return new Splitter(sink, options.maxValueChars ?? MAX_VALUE_CHARS)
}

class Splitter implements JsonSplitter {
  private stack: string[] = []
  private inString = false
  private escape = false
  /** Depth whose direct elements are emitted one by one, or -1. */
  private streamDepth = -1
  private rec: Recording | null = null
  /** Unscanned tail of the last chunk (a possible `{"command":` split across chunks). */
  private carry = ''
  private chunk = ''
  private pos = 0
  failed = false

  constructor(
    private readonly sink: JsonSplitterSink,
    private readonly max: number,
  ) {}

  get held(): number {
    return this.rec ? this.rec.held : 0
  }

  push(text: string): void {
    if (this.failed) return
    this.chunk = this.carry + text
    this.carry = ''
    this.pos = 0
    const stop = this.scan()
    this.carry = this.chunk.slice(stop)
    if (this.rec) {
      const piece = this.chunk.slice(this.rec.from, stop)
      if (piece.length > 0) this.rec.parts.push(piece)
      this.rec.held += piece.length
      this.rec.from = 0
      if (this.rec.held > this.max) this.overflow()
    }
    this.chunk = ''
  }

  end(): void {
    if (this.rec?.kind === 'garbage') this.flushGarbage(this.chunk.length)
    this.rec = null
    this.carry = ''
  }

  private overflow(): void {
    const held = this.rec?.held ?? 0
    this.failed = true
    this.rec = null
    this.stack = []
    this.sink.onOverflow?.(held)
  }

  /** Scans the current chunk from `pos`; answers where scanning stopped (the chunk's length or a carry). */
  private scan(): number {
    const chunk = this.chunk
    for (; this.pos < chunk.length; this.pos++) {
      const c = chunk[this.pos] ?? ''
      if (this.inString) {
        if (this.escape) this.escape = false
        else if (c === '\\') this.escape = true
        else if (c === '"') this.inString = false
        continue
      }
      if (this.stack.length === 0) {
        this.topLevel(c)
        continue
      }
      if (c === '{' && this.streamDepth === 2 && this.stack.length > 2) {
        const ahead = chunk.slice(this.pos, this.pos + RESYNC.length)
        // Wait for more bytes only while what follows could still be `{"command":` (an event
        // ending in `{}}}` must not wait for the next event to be delivered).
        if (ahead.length < RESYNC.length && RESYNC.startsWith(ahead)) return this.pos
        if (ahead === RESYNC) this.resync()
      }
      const depth = this.stack.length
      if (depth === this.streamDepth && this.rec === null && !/[\s,\]]/.test(c)) this.record('elem')
      if (c === '"') this.inString = true
      else if (c === '{' || c === '[') this.open(c)
      else if (c === '}' || c === ']') this.close(c)
      else if (c === ',' && depth === this.streamDepth && this.rec?.kind === 'elem') {
        this.emit(this.text(this.pos))
        this.rec = null
      }
    }
    return chunk.length
  }

  private record(kind: Recording['kind']): void {
    this.rec = { kind, parts: [], held: 0, from: this.pos }
  }

  /** The held text up to `end` (exclusive) of the current chunk: joined once, here. */
  private text(end: number): string {
    const rec = this.rec
    if (!rec) return ''
    const tail = this.chunk.slice(rec.from, end)
    return rec.parts.length === 0 ? tail : rec.parts.join('') + tail
  }

  private emit(raw: string): void {
    const value = parseJsonText(raw)
    if (value.ok) this.sink.onValue(value.value, raw)
    else this.sink.onGarbage?.(raw)
  }

  private flushGarbage(end: number): void {
    const text = this.text(end).trim()
    this.rec = null
    if (text !== '') this.sink.onGarbage?.(text)
  }

  /**
   * iproute2 leaves some elements unterminated (trap-policer events in fixture 70 lack `}}`):
   * hand the broken element to `onGarbage` and restart at the stream array's depth.
   */
  private resync(): void {
    if (this.rec?.kind === 'elem') this.sink.onGarbage?.(this.text(this.pos).replace(/,\s*$/, ''))
    this.stack.length = this.streamDepth
    this.rec = null
  }

  private topLevel(c: string): void {
    if (c === '{' || c === '[') {
      if (this.rec?.kind === 'garbage') this.flushGarbage(this.pos)
      this.stack = [c]
      this.streamDepth = c === '[' ? 1 : -1
      // A top-level array streams its elements; an object is held whole (until it is `{"mon":[`).
      if (c === '{') this.record('top')
    } else if (c === '\n') {
      if (this.rec?.kind === 'garbage') this.flushGarbage(this.pos)
    } else if (this.rec === null && !/\s/.test(c)) this.record('garbage')
  }

  private open(c: string): void {
    if (c === '[' && this.stack.length === 1 && this.streamDepth < 0 && this.rec?.kind === 'top') {
      // `{"mon":` is short: only a short head can be it (never join a long one to find out).
      const short = this.rec.held + (this.pos - this.rec.from) < 64
      if (short && /^\{\s*"mon"\s*:\s*$/.test(this.text(this.pos))) {
        this.streamDepth = 2
        this.rec = null
      }
    }
    this.stack.push(c)
  }

  private close(c: string): void {
    const opener = c === '}' ? '{' : '['
    const elem = this.rec?.kind === 'elem'
    // Pop to the matching opener; never below the stream array while an element is open.
    const floor = elem ? this.streamDepth : 0
    let at = this.stack.lastIndexOf(opener)
    if (at < floor) at = this.stack.length - 1
    this.stack.length = Math.max(at, 0)
    const depth = this.stack.length
    if (elem && depth === this.streamDepth) {
      this.emit(this.text(this.pos + 1))
      this.rec = null
    } else if (elem && depth === this.streamDepth - 1) {
      this.emit(this.text(this.pos))
      this.rec = null
    }
    if (depth === 0) {
      if (this.streamDepth < 0 && this.rec?.kind === 'top') this.emit(this.text(this.pos + 1))
      this.rec = null
      this.streamDepth = -1
    }
  }
}
