import { PortToMain, type PortToRenderer, type TerminalStatus } from '../../contract'
import type { Dispatcher } from './dispatcher'
import type { EventSink } from './event-hub'

/**
 * Terminal traffic over a message port (contract/terminal-port.ts): the Electron front door's
 * way to carry terminal bytes, acks, input and Ctrl-C without `webContents.send` and
 * `ipcRenderer.invoke`. No electron here: main/ipc adapts `MessagePortMain` to `PortLike`, and
 * tests bind a Node `MessageChannel` port the same way.
 */

/** The least a port must offer. `onMessage` answers its unsubscribe. */
export interface PortLike {
  postMessage(message: unknown): void
  onMessage(listener: (data: unknown) => void): () => void
  close(): void
}

/** What `bindTerminalPort` needs: the session's sink and the dispatcher both front doors use. */
export interface TerminalPortDeps {
  readonly sink: TerminalSink
  readonly dispatcher: Dispatcher
  /** Where refused messages are reported; default `console.error`. */
  readonly log?: (line: string) => void
}

/** A stream this session opened: the port its bytes go to, or null for `base`. */
interface OwnedStream {
  route: PortRoute | null
}

/** At most this many refusals are logged one by one per port; then every 1000th. */
const LOGGED_REFUSALS = 20

/**
 * A front-door session's `EventSink` whose terminal streams may travel over a bound port.
 *
 * It learns the session's streams from their `terminals:status` events (TerminalManager sends
 * `open` to the owning session before `terminals:open` answers). A stream learned while a port
 * is bound and its page said `hello` sends its bytes and status over that port for its whole
 * life; every other stream, and every other event, goes to `base` as before. One stream never
 * switches between the two, so its chunks stay in order.
 */
export class TerminalSink implements EventSink {
  readonly sessionId: string
  private route: PortRoute | null = null
  private readonly streams = new Map<string, OwnedStream>()
  /** This session's streams that ended lately, oldest first (at most `ENDED_KEPT`). */
  private readonly endedIds = new Set<string>()

  constructor(private readonly base: EventSink) {
    this.sessionId = base.sessionId
  }

  send(channel: string, payload: unknown): void {
    if (channel === 'terminals:status' && this.status(payload as TerminalStatus)) return
    this.base.send(channel, payload)
  }

  sendData(streamId: string, seq: number, data: Uint8Array): void {
    const route = this.streams.get(streamId)?.route
    if (route && route === this.route && route.post({ t: 'data', streamId, seq, data: own(data) }))
      return
    this.base.sendData(streamId, seq, data)
  }

  /** True while a port is bound and its page said `hello`: new streams then use the port. */
  get portReady(): boolean {
    return this.route?.ready ?? false
  }

  /** The port when `streamId` learned a bound, ready port at its open; else events. */
  transportOf(streamId: string): 'port' | 'events' {
    const route = this.streams.get(streamId)?.route
    return route && route === this.route ? 'port' : 'events'
  }

  /** True when this session opened `streamId` and it is still open. */
  owns(streamId: string): boolean {
    return this.streams.has(streamId)
  }

  /**
   * True when this session's stream `streamId` ended lately: the page's last ack, a keystroke or
   * a Ctrl-C can cross the close in flight, which is a race to drop quietly, not a hostile call.
   */
  ended(streamId: string): boolean {
    return this.endedIds.has(streamId)
  }

  /** Makes `route` the bound port (disposing the previous one); null unbinds. */
  use(route: PortRoute | null): void {
    const previous = this.route
    this.route = route
    if (previous && previous !== route) previous.dispose()
  }

  /** Unbinds `route` if it is still the bound one. */
  release(route: PortRoute): void {
    if (this.route === route) this.route = null
  }

  private forget(streamId: string): void {
    if (!this.streams.delete(streamId)) return
    this.endedIds.add(streamId)
    if (this.endedIds.size > ENDED_KEPT) this.endedIds.delete(this.endedIds.values().next().value!)
  }

  /** Learns or forgets a stream; answers true when the status went over its port. */
  private status(status: TerminalStatus): boolean {
    if (typeof status?.streamId !== 'string') return false
    let stream = this.streams.get(status.streamId)
    if (!stream) {
      stream = { route: this.route?.ready ? this.route : null }
      this.streams.set(status.streamId, stream)
    }
    if (status.state === 'closed' || status.state === 'failed') this.forget(status.streamId)
    const route = stream.route
    return route !== null && route === this.route && route.post({ ...status, t: 'status' })
  }
}

/** How many ended stream ids a sink remembers for `ended` (late acks after a close). */
const ENDED_KEPT = 64

/** A data chunk as a plain, tight `Uint8Array`: a clone of a view copies its whole buffer. */
function own(data: Uint8Array): Uint8Array<ArrayBuffer> {
  const { buffer } = data
  const tight = data.byteOffset === 0 && data.byteLength === buffer.byteLength
  if (tight && buffer instanceof ArrayBuffer && data.constructor === Uint8Array)
    return data as Uint8Array<ArrayBuffer>
  return new Uint8Array(data)
}

/** One bound port: receives the page's messages and posts the sink's. */
export class PortRoute {
  private hello = false
  private readonly off: () => void
  private readonly abort = new AbortController()
  private refusals = 0
  private disposed = false

  constructor(
    private readonly port: PortLike,
    private readonly deps: TerminalPortDeps,
  ) {
    this.off = port.onMessage((raw) => this.receive(raw))
  }

  /** The page said `hello`: new streams may use this port. */
  get ready(): boolean {
    return this.hello && !this.disposed
  }

  /** Posts one message; false (the caller falls back) when unbound or the port refuses it. */
  post(message: PortToRenderer): boolean {
    if (this.disposed) return false
    try {
      this.port.postMessage(message)
      return true
    } catch (err) {
      this.log(`posting failed: ${String(err)}`)
      return false
    }
  }

  /** Unbinds and closes the port. Idempotent. */
  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    this.off()
    this.abort.abort()
    this.deps.sink.release(this)
    this.port.close()
    if (this.refusals > LOGGED_REFUSALS) this.log(`closed after ${this.refusals} refused messages`)
  }

  /** Validates one message from the page, then routes it like its contract call. */
  private receive(raw: unknown): void {
    if (this.disposed) return
    const parsed = PortToMain.safeParse(raw)
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      return this.refuse(`malformed message: ${issues.join('; ').slice(0, 300)}`)
    }
    const { t, ...request } = parsed.data
    if (t === 'hello') return void (this.hello = true)
    const { sink } = this.deps
    const { streamId } = request as { streamId: string }
    if (sink.ended(streamId)) return // crossed the close in flight
    if (!sink.owns(streamId)) return this.refuse(`${t} for ${streamId}: not a stream of this page`)
    void this.call(`terminals:${t}`, request)
  }

  /** The dispatcher's own checks apply (schema, session, ack window); a refusal is logged. */
  private async call(channel: string, request: unknown): Promise<void> {
    const context = { sessionId: this.deps.sink.sessionId, signal: this.abort.signal }
    const result = await this.deps.dispatcher.dispatch(channel, request, context)
    const { streamId } = request as { streamId: string }
    if (!result.ok && !this.deps.sink.ended(streamId))
      this.refuse(`${channel}: ${result.error.code}: ${result.error.message}`)
  }

  private refuse(reason: string): void {
    this.refusals++
    if (this.refusals <= LOGGED_REFUSALS || this.refusals % 1000 === 0)
      this.log(`refused ${reason} (${this.refusals} refused so far)`)
  }

  private log(text: string): void {
    const line = `replab: terminal port ${this.deps.sink.sessionId}: ${text}`
    ;(this.deps.log ?? console.error)(line)
  }
}

/**
 * Binds a port to a session: the sink's new streams send their bytes and status over it once
 * the page says `hello`, and the page's acks, input and Ctrl-C reach the dispatcher as
 * `terminals:ack` / `terminals:input` / `terminals:interrupt` of that session — validated with
 * contract/terminal-port.ts first, refused (logged, dropped, never thrown) when malformed, for
 * a stream this session does not own, or acking more than was sent. Input and Ctrl-C are handled
 * as they arrive, never behind queued output. Replaces a port bound before. Answers the one
 * dispose function: it unbinds, stops listening and closes the port.
 */
export function bindTerminalPort(port: PortLike, deps: TerminalPortDeps): () => void {
  const route = new PortRoute(port, deps)
  deps.sink.use(route)
  return () => route.dispose()
}
