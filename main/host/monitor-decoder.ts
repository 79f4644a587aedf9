import { createJsonSplitter, MAX_VALUE_CHARS, type JsonSplitter } from './json-splitter'
import {
  damagedDevlinkEvent,
  devlinkEvent,
  devlinkTextEvent,
  ipEvents,
  ipTextEvent,
  type MonitorEvent,
} from './monitor-events'

/**
 * Turns the text a monitor stream prints into `MonitorEvent`s, whatever form the host's iproute2
 * prints:
 *
 * - `devlink -j monitor`: one growing `{"mon":[{…},{…}` document flushed per event (iproute2 6.1
 *   and 6.12, test/fixtures/netdevsim/70), cut into elements by json-splitter.ts; elements iproute2
 *   broke are recognised by their head. Without `-j` (or a devlink that ignores it) the text
 *   form `[port,new] netdevsim/netdevsim10/128: …` (fixtures 66, 67, 74), line by line.
 * - `ip -j monitor link`: iproute2 6.1 prints the TEXT form even with `-j`
 *   (test/fixtures/hostile/ip_j_monitor_link_events.txt), newer versions JSON objects.
 *
 * The start of the stream decides the form: `{`, or `[` not followed by devlink's
 * `<object>,<command>]` tag, is JSON; anything else is text, decoded line by line. Text lines
 * never reach the JSON splitter, so a `[` or `{` inside a hostile interface name cannot derail
 * it.
 *
 * A stream whose output is not understood (text that is no event before any event was decoded)
 * is reported once through `onUnknown`: the owner should stop trusting it (the watcher polls
 * instead), because a monitor that prints what nobody decodes would otherwise look healthy
 * forever. Memory is bounded: a value or a line longer than `maxValueChars` (default 4 MiB) is
 * reported through `onOverflow` and the decoder ignores the rest.
 */

/** Callbacks of a decoder. */
export interface MonitorDecoderSink {
  onEvent(event: MonitorEvent): void
  /** The stream printed something that decodes to no event, before any event (called once). */
  onUnknown?(text: string): void
  /** An unfinished value or line grew past the limit; the decoder stopped. */
  onOverflow?(heldChars: number): void
}

/** A decoder fed with the stream's text in chunks. */
export interface MonitorDecoder {
  push(chunk: string): void
  /** The stream ended: flushes what is pending. */
  end(): void
}

/** Creates the decoder of a `devlink` or `ip` monitor stream. */
export function createMonitorDecoder(
  kind: 'devlink' | 'ip',
  sink: MonitorDecoderSink,
  maxValueChars: number = MAX_VALUE_CHARS,
): MonitorDecoder {
  const state = { decoded: false, unknown: false }
  const event = (e: MonitorEvent): void => {
    state.decoded = true
    sink.onEvent(e)
  }
  const unknown = (text: string): void => {
    if (state.decoded || state.unknown || text.trim() === '') return
    state.unknown = true
    sink.onUnknown?.(text)
  }
  const json = (): JsonSplitter =>
    createJsonSplitter(
      {
        onValue: (v) => {
          if (kind === 'ip') ipEvents(v).forEach(event)
          else {
            const e = devlinkEvent(v)
            if (e !== null) event(e)
          }
        },
        onGarbage: (raw) => {
          const e = kind === 'devlink' ? (damagedDevlinkEvent(raw) ?? devlinkTextEvent(raw)) : null
          if (e !== null) event(e)
          else unknown(raw)
        },
        ...(sink.onOverflow ? { onOverflow: sink.onOverflow } : {}),
      },
      { maxValueChars },
    )
  const textEvent = kind === 'ip' ? ipTextEvent : devlinkTextEvent
  return new FormDecoder(json, textEvent, event, unknown, maxValueChars, sink.onOverflow)
}

/** devlink's text tag, `[port,new]`. */
const TAG = /^\[[a-z_-]+,[a-z_-]+\]/
/** What can still grow into a tag. */
const TAG_PREFIX = /^\[[a-z_-]*(?:,[a-z_-]*)?$/

/** The form a stream's head shows: JSON, text, or not known yet (wait for more). */
function formOf(head: string): 'json' | 'text' | null {
  const start = head.trimStart()
  if (start === '') return null
  if (start[0] === '{') return 'json'
  if (start[0] !== '[') return 'text'
  if (TAG.test(start)) return 'text'
  return TAG_PREFIX.test(start) ? null : 'json'
}

/** A monitor stream in JSON or text form, decided by its head (`formOf`). */
class FormDecoder implements MonitorDecoder {
  private splitter: JsonSplitter | null = null
  private text = false
  private head = ''
  private line = ''
  private failed = false

  constructor(
    private readonly makeSplitter: () => JsonSplitter,
    private readonly textEvent: (line: string) => MonitorEvent | null,
    private readonly event: (e: MonitorEvent) => void,
    private readonly unknown: (text: string) => void,
    private readonly max: number,
    private readonly overflow: ((held: number) => void) | undefined,
  ) {}

  push(chunk: string): void {
    if (this.failed) return
    if (this.splitter) return this.splitter.push(chunk)
    if (this.text) return this.pushText(chunk)
    this.head += chunk
    const form = formOf(this.head)
    if (form === null) return
    const held = this.head
    this.head = ''
    if (form === 'json') {
      this.splitter = this.makeSplitter()
      this.splitter.push(held)
    } else {
      this.text = true
      this.pushText(held)
    }
  }

  end(): void {
    if (this.splitter) this.splitter.end()
    else if (this.line !== '') this.decodeLine(this.line)
    this.line = ''
  }

  private pushText(chunk: string): void {
    let at = 0
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', at)) {
      const line = this.line + chunk.slice(at, nl)
      this.line = ''
      this.decodeLine(line)
      at = nl + 1
    }
    this.line += chunk.slice(at)
    if (this.line.length > this.max) {
      const held = this.line.length
      this.failed = true
      this.line = ''
      this.overflow?.(held)
    }
  }

  private decodeLine(line: string): void {
    if (line.trim() === '' || /^\s/.test(line)) return
    const e = this.textEvent(line)
    if (e !== null) this.event(e)
    else this.unknown(line)
  }
}
