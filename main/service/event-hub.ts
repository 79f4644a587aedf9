import type { z } from 'zod'

import { events, type EventDef, type Events } from '../../contract'

/** A front-door session that can receive pushed events and terminal bytes. */
export interface EventSink {
  readonly sessionId: string
  /** Sends one validated event to this session. */
  send(channel: string, payload: unknown): void
  /** Sends terminal output bytes for a stream this session opened. */
  sendData(streamId: string, seq: number, data: Uint8Array): void
  /** How this session receives `streamId`'s bytes and status (default: `events`). */
  transportOf?(streamId: string): 'port' | 'events'
}

/**
 * Fans pushed events out to every connected front-door session.
 *
 * Payloads are validated against contract/api.ts `events` before they leave: a bad payload is a
 * back-end bug, logged and dropped rather than sent half-formed.
 */
export class EventHub {
  private readonly sinks = new Map<string, EventSink>()
  private readonly endListeners = new Set<(sessionId: string) => void>()

  /**
   * Registers a session; returns the function that unregisters it, which also tells every
   * `onSessionEnd` listener (terminal panes close with their window or socket).
   */
  attach(sink: EventSink): () => void {
    this.sinks.set(sink.sessionId, sink)
    return () => {
      if (this.sinks.get(sink.sessionId) !== sink) return
      this.sinks.delete(sink.sessionId)
      this.ended(sink.sessionId)
    }
  }

  /**
   * The page behind a session went away while the session stays attached (an Electron window
   * navigated or reloaded: same window, new page): what belonged to the old page ends.
   */
  pageGone(sessionId: string): void {
    this.ended(sessionId)
  }

  /** Subscribes to session (and page) ends; returns the unsubscribe function. */
  onSessionEnd(listener: (sessionId: string) => void): () => void {
    this.endListeners.add(listener)
    return () => this.endListeners.delete(listener)
  }

  private ended(sessionId: string): void {
    for (const l of [...this.endListeners]) {
      try {
        l(sessionId)
      } catch (err) {
        console.error(`replab: session-end listener failed: ${(err as Error).message}`)
      }
    }
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
