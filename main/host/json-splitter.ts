import type { Json } from './parse-result'

/**
 * Incremental JSON value splitter for monitor streams.
 *
 * iproute2 6.1 `devlink -j monitor` prints ONE growing document `{"mon":[{…},{…},…` that is never
 * closed (fixtures/netdevsim/70_devlink_monitor_j.txt ends in a json_writer assertion), so events
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
 * unterminated (trap-policer events lack `}}`) are cut at the next `{"command":`.
 */

/** Callbacks of a splitter. */
export interface JsonSplitterSink {
  onValue(value: Json, raw: string): void
  onGarbage?(text: string): void
}

/** A splitter fed with chunks of text. */
export interface JsonSplitter {
  push(chunk: string): void
  /** Flushes pending garbage; an unfinished value is dropped. */
  end(): void
}

interface State {
  buf: string
  pos: number
  /** Open brackets, innermost last. */
  stack: string[]
  inString: boolean
  escape: boolean
  topStart: number
  /** Depth whose direct elements are emitted one by one, or -1. */
  streamDepth: number
  elemStart: number
  garbageStart: number
}

/** Creates a splitter delivering values to `sink`. */
export function createJsonSplitter(sink: JsonSplitterSink): JsonSplitter {
  const s: State = {
    ...{ buf: '', pos: 0, stack: [] as string[], inString: false, escape: false },
    ...{ topStart: -1, streamDepth: -1, elemStart: -1, garbageStart: -1 },
  }
  return {
    push(chunk) {
      s.buf += chunk
      scan(s, sink)
      compact(s)
    },
    end() {
      if (s.garbageStart >= 0) flushGarbage(s, sink, s.buf.length)
      s.buf = ''
      s.pos = 0
    },
  }
}

function emit(sink: JsonSplitterSink, raw: string): void {
  try {
    sink.onValue(JSON.parse(raw) as Json, raw)
  } catch {
    sink.onGarbage?.(raw)
  }
}

function flushGarbage(s: State, sink: JsonSplitterSink, end: number): void {
  const text = s.buf.slice(s.garbageStart, end).trim()
  s.garbageStart = -1
  if (text !== '') sink.onGarbage?.(text)
}

function scan(s: State, sink: JsonSplitterSink): void {
  for (; s.pos < s.buf.length; s.pos++) {
    const c = s.buf[s.pos] ?? ''
    if (s.inString) {
      if (s.escape) s.escape = false
      else if (c === '\\') s.escape = true
      else if (c === '"') s.inString = false
      continue
    }
    if (s.stack.length === 0) {
      topLevel(s, sink, c)
      continue
    }
    if (c === '{' && s.streamDepth === 2 && s.stack.length > 2) {
      if (s.buf.length - s.pos < RESYNC.length) return // wait for more bytes
      if (s.buf.startsWith(RESYNC, s.pos)) resync(s, sink)
    }
    const depth = s.stack.length
    if (depth === s.streamDepth && s.elemStart < 0 && !/[\s,\]]/.test(c)) s.elemStart = s.pos
    if (c === '"') s.inString = true
    else if (c === '{' || c === '[') open(s, c)
    else if (c === '}' || c === ']') close(s, sink, c)
    else if (c === ',' && depth === s.streamDepth && s.elemStart >= 0) {
      emit(sink, s.buf.slice(s.elemStart, s.pos))
      s.elemStart = -1
    }
  }
}

/** Every `devlink -j monitor` element starts with this; seeing it deeper means the last one broke. */
const RESYNC = '{"command":'

/**
 * iproute2 leaves some elements unterminated (trap-policer events in fixture 70 lack `}}`):
 * hand the broken element to `onGarbage` and restart at the stream array's depth.
 */
function resync(s: State, sink: JsonSplitterSink): void {
  if (s.elemStart >= 0) sink.onGarbage?.(s.buf.slice(s.elemStart, s.pos).replace(/,\s*$/, ''))
  s.stack.length = s.streamDepth
  s.elemStart = -1
}

function topLevel(s: State, sink: JsonSplitterSink, c: string): void {
  if (c === '{' || c === '[') {
    if (s.garbageStart >= 0) flushGarbage(s, sink, s.pos)
    s.topStart = s.pos
    s.stack = [c]
    s.streamDepth = c === '[' ? 1 : -1
    s.elemStart = -1
  } else if (c === '\n') {
    if (s.garbageStart >= 0) flushGarbage(s, sink, s.pos)
  } else if (s.garbageStart < 0 && !/\s/.test(c)) s.garbageStart = s.pos
}

function open(s: State, c: string): void {
  if (c === '[' && s.stack.length === 1 && s.streamDepth < 0) {
    const head = s.buf.slice(s.topStart, s.pos)
    if (/^\{\s*"mon"\s*:\s*$/.test(head)) s.streamDepth = 2
  }
  s.stack.push(c)
}

function close(s: State, sink: JsonSplitterSink, c: string): void {
  const opener = c === '}' ? '{' : '['
  // Pop to the matching opener; never below the stream array while an element is open.
  const floor = s.elemStart >= 0 ? s.streamDepth : 0
  let at = s.stack.lastIndexOf(opener)
  if (at < floor) at = s.stack.length - 1
  s.stack.length = Math.max(at, 0)
  const depth = s.stack.length
  if (depth === s.streamDepth && s.elemStart >= 0) {
    emit(sink, s.buf.slice(s.elemStart, s.pos + 1))
    s.elemStart = -1
  } else if (depth === s.streamDepth - 1 && s.elemStart >= 0) {
    emit(sink, s.buf.slice(s.elemStart, s.pos))
    s.elemStart = -1
  }
  if (depth === 0) {
    if (s.streamDepth < 0) emit(sink, s.buf.slice(s.topStart, s.pos + 1))
    s.topStart = -1
    s.streamDepth = -1
  }
}

/** Drops consumed text so the buffer holds only the unfinished value (or garbage line). */
function compact(s: State): void {
  const keep = [s.elemStart, s.garbageStart, s.streamDepth < 0 ? s.topStart : -1]
    .filter((i) => i >= 0)
    .reduce((a, b) => Math.min(a, b), s.pos)
  if (keep === 0) return
  s.buf = s.buf.slice(keep)
  s.pos -= keep
  const shift = (i: number): number => (i < 0 ? i : i - keep)
  s.elemStart = shift(s.elemStart)
  s.garbageStart = shift(s.garbageStart)
  s.topStart = s.streamDepth < 0 ? shift(s.topStart) : -1
}
