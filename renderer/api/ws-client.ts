import type { LabApi } from '../../contract/api'
import type { IpcResult, LabErrorData } from '../../contract/errors'
import { SESSION_ENDED_CODE, type AuthMessage, type ClientMessage } from '../../contract/wire'

import { buildLabApi } from './lab-api-builder'
import { decodeBinary, decodeText, type Incoming } from './wire-decode'

/**
 * State of the browser-mode socket, shown in the top bar. `ended`: the server closed it with
 * 4401 (logged out, session expired, no valid secret): no reconnect, a new login link is needed.
 */
export type SocketState =
  | { state: 'connecting'; attempt: number }
  | { state: 'open' }
  | { state: 'closed'; attempt: number; retryInMs: number; reason: string }
  | { state: 'ended'; reason: string }

/** The part of the DOM `WebSocket` the client uses (injectable for tests). */
export interface SocketLike {
  binaryType: string
  send(data: string): void
  close(): void
  onopen: ((ev: unknown) => void) | null
  onclose: ((ev: { code?: number; reason?: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
}

/** Options of `createWsClient`. Delays in ms. */
export interface WsClientOptions {
  url: string
  makeSocket?: (url: string) => SocketLike
  /** Backoff: `min(maxDelayMs, baseDelayMs * 2^attempt)`. */
  baseDelayMs?: number
  maxDelayMs?: number
  /** How long a call waits for the socket to open before failing with `io-error`. */
  openTimeoutMs?: number
  /** The session secret sent as each socket's first message (browser mode), or null. */
  secret?: () => string | null
}

/** A LabApi over a WebSocket plus its connection state and a `close()` that stops reconnecting. */
export interface WsClient {
  api: LabApi
  state(): SocketState
  onState(listener: (state: SocketState) => void): () => void
  /** While waiting out the reconnect backoff: connects now. No-op in other states. */
  retryNow(): void
  /** Stops reconnecting; with `reason` the state becomes `ended` with it. */
  close(reason?: string): void
}

type Result = IpcResult<unknown>

function ioError(message: string): { ok: false; error: LabErrorData } {
  return { ok: false, error: { code: 'io-error', message } }
}

/** Backoff delay in ms for reconnect attempt `attempt` (0-based), capped at `maxMs`. */
export function backoffMs(attempt: number, baseMs = 250, maxMs = 10_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16))
}

/**
 * A `LabApi` speaking contract/wire.ts over one WebSocket (browser mode). Reconnects with
 * exponential backoff; calls made while the socket is down wait up to `openTimeoutMs` and then
 * resolve to an `io-error` result; calls in flight when it drops resolve to `io-error` too.
 * Binary frames become `terminals:data` events. Never throws for wire problems.
 */
export function createWsClient(options: WsClientOptions): WsClient {
  const conn = new Connection(options)
  return {
    api: buildLabApi(
      (channel, request) => conn.invoke(channel, request),
      (channel, listener) => conn.subscribe(channel, listener),
    ),
    state: () => conn.current,
    onState: (l) => conn.onState(l),
    retryNow: () => conn.retryNow(),
    close: (reason) => conn.close(reason),
  }
}

class Connection {
  current: SocketState = { state: 'connecting', attempt: 0 }
  private socket: SocketLike | null = null
  private attempt = 0
  private closed = false
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (r: Result) => void; channel: string }>()
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>()
  private readonly stateListeners = new Set<(s: SocketState) => void>()
  private readonly waiters = new Set<() => void>()
  private retryTimer: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly o: WsClientOptions) {
    this.connect()
  }

  subscribe(channel: string, listener: (payload: unknown) => void): () => void {
    const set = this.listeners.get(channel) ?? new Set()
    set.add(listener)
    this.listeners.set(channel, set)
    return () => set.delete(listener)
  }

  onState(listener: (s: SocketState) => void): () => void {
    this.stateListeners.add(listener)
    return () => this.stateListeners.delete(listener)
  }

  async invoke(channel: string, request: unknown): Promise<Result> {
    if (this.closed) return ioError('client closed')
    if (!(await this.whenOpen()) || !this.socket) {
      return ioError(`console server unreachable: ${channel} not sent`)
    }
    const id = this.nextId++
    const msg: ClientMessage = { t: 'call', id, channel, request }
    return new Promise((resolve) => {
      this.pending.set(id, { resolve, channel })
      this.socket?.send(JSON.stringify(msg))
    })
  }

  close(reason?: string): void {
    this.closed = true
    clearTimeout(this.retryTimer)
    this.socket?.close()
    if (reason) this.setState({ state: 'ended', reason })
  }

  retryNow(): void {
    if (this.closed || this.current.state !== 'closed') return
    clearTimeout(this.retryTimer)
    this.connect()
  }

  private setState(s: SocketState): void {
    this.current = s
    for (const l of this.stateListeners) l(s)
  }

  private deliver(m: Incoming): void {
    if (m.kind === 'event') {
      for (const l of this.listeners.get(m.channel) ?? []) l(m.payload)
    } else if (m.kind === 'result') {
      const p = this.pending.get(m.id)
      this.pending.delete(m.id)
      p?.resolve(m.result)
    }
  }

  private connect(): void {
    if (this.closed) return
    this.setState({ state: 'connecting', attempt: this.attempt })
    const ws = (this.o.makeSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike))(
      this.o.url,
    )
    ws.binaryType = 'arraybuffer'
    this.socket = ws
    ws.onopen = () => {
      const secret = this.o.secret?.()
      if (secret) ws.send(JSON.stringify({ t: 'auth', secret } satisfies AuthMessage))
      this.attempt = 0
      this.setState({ state: 'open' })
      for (const w of [...this.waiters]) w()
    }
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') {
        this.deliver(decodeText(ev.data, (id) => this.pending.get(id)?.channel))
      } else if (ev.data instanceof ArrayBuffer || ev.data instanceof Uint8Array) {
        this.deliver(decodeBinary(ev.data))
      }
    }
    ws.onerror = () => {}
    ws.onclose = (ev) => this.onClose(ev)
  }

  private onClose(ev: { code?: number; reason?: string }): void {
    this.socket = null
    for (const [id, p] of this.pending) {
      this.pending.delete(id)
      p.resolve(ioError(`connection to the console server lost during ${p.channel}`))
    }
    if (this.closed) return
    if (ev.code === SESSION_ENDED_CODE) {
      this.closed = true
      this.setState({ state: 'ended', reason: ev.reason || 'session ended' })
      return
    }
    const retryInMs = backoffMs(this.attempt, this.o.baseDelayMs, this.o.maxDelayMs)
    const reason = ev.reason || (ev.code ? `socket closed (code ${ev.code})` : 'socket closed')
    this.setState({ state: 'closed', attempt: this.attempt, retryInMs, reason })
    this.attempt++
    this.retryTimer = setTimeout(() => this.connect(), retryInMs)
  }

  private whenOpen(): Promise<boolean> {
    if (this.socket && this.current.state === 'open') return Promise.resolve(true)
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        this.waiters.delete(onOpen)
        clearTimeout(timer)
        resolve(ok)
      }
      const onOpen = () => done(true)
      const timer = setTimeout(() => done(false), this.o.openTimeoutMs ?? 10_000)
      this.waiters.add(onOpen)
    })
  }
}
