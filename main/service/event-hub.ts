import type { z } from 'zod'

import { events, type EventDef, type Events } from '../../contract'

/** A front-door session that can receive pushed events and terminal bytes. */
export interface EventSink {
  readonly sessionId: string
  /** Sends one validated event to this session. */
  send(channel: string, payload: unknown): void
  /** Sends terminal output bytes for a stream this session opened. */
  sendData(streamId: string, seq: number, data: Uint8Array): void
}

/**
 * Fans pushed events out to every connected front-door session.
 *
 * Payloads are validated against contract/api.ts `events` before they leave: a bad payload is a
 * back-end bug, logged and dropped rather than sent half-formed.
 */
export class EventHub {
  private readonly sinks = new Map<string, EventSink>()

  /** Registers a session; returns the function that unregisters it. */
  attach(sink: EventSink): () => void {
    this.sinks.set(sink.sessionId, sink)
    return () => this.sinks.delete(sink.sessionId)
  }

  /** The session with this id, if connected. */
  sink(sessionId: string): EventSink | undefined {
    return this.sinks.get(sessionId)
  }

  /** Broadcasts an event to all sessions. */
  emit<K extends keyof Events>(name: K, payload: z.input<Events[K]['payload']>): void {
    const checked = this.check(name, payload)
    if (checked) for (const sink of this.sinks.values()) sink.send(checked.channel, checked.data)
  }

  /** Sends an event to one session only (dropped when it is gone), validated like `emit`. */
  emitTo<K extends keyof Events>(
    sessionId: string,
    name: K,
    payload: z.input<Events[K]['payload']>,
  ): void {
    const sink = this.sinks.get(sessionId)
    const checked = sink && this.check(name, payload)
    if (checked) sink.send(checked.channel, checked.data)
  }

  private check(name: keyof Events, payload: unknown): { channel: string; data: unknown } | null {
    const def: EventDef = events[name]
    const checked = def.payload.safeParse(payload)
    if (checked.success) return { channel: def.channel, data: checked.data }
    console.error(
      `replab: dropped invalid ${def.channel} event: ${checked.error.message.slice(0, 300)}`,
    )
    return null
  }

  /** Number of sessions attached. */
  get size(): number {
    return this.sinks.size
  }
}
