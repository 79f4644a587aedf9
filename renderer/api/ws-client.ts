import { calls, events, type CallDef, type EventDef, type LabApi } from '../../contract/api'
import type { IpcResult, LabErrorData } from '../../contract/errors'
import { ServerMessage, decodeDataFrame, type ClientMessage } from '../../contract/wire'

/** State of the browser-mode socket, shown in the status bar. */
export type SocketState =
  | { state: 'connecting'; attempt: number }
  | { state: 'open' }
  | { state: 'closed'; attempt: number; retryInMs: number; reason: string }

/** The minimum of the DOM `WebSocket` the client uses (injectable for tests). */
export interface SocketLike {
  binaryType: string
  readonly readyState: number
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
  setTimer?: (fn: () => void, ms: number) => unknown
  clearTimer?: (handle: unknown) => void
}

/** A LabApi over a WebSocket plus its connection state and a `close()` that stops reconnecting. */
export interface WsClient {
  api: LabApi
  state(): SocketState
  onState(listener: (state: SocketState) => void): () => void
  close(): void
}

type Pending = { resolve: (r: IpcResult<unknown>) => void; channel: string }

function ioError(message: string): { ok: false; error: LabErrorData } {
  return { ok: false, error: { code: 'io-error', message } }
}

/** Backoff delay in ms for a reconnect attempt (0-based), capped. */
export function backoffMs(attempt: number, baseMs = 250, maxMs = 10_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16))
}

/**
 * Builds a `LabApi` speaking contract/wire.ts over one WebSocket, mechanically from
 * `calls`/`events` in contract/api.ts. Reconnects with exponential backoff; calls made while
 * the socket is down wait up to `openTimeoutMs`, then resolve to an `io-error` result. Results
 * and event payloads are validated with the contract schemas; a mismatch becomes an `internal`
 * error result (calls) or is dropped (events). Binary frames become `terminalData` events.
 * Never throws for wire problems.
 */
export function createWsClient(options: WsClientOptions): WsClient {
  const makeSocket =
    options.makeSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike)
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms))
  const clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>))
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  const stateListeners = new Set<(s: SocketState) => void>()
  const pending = new Map<number, Pending>()
  const waiters = new Set<() => void>()
  const defs = new Map<string, CallDef>()
  let nextId = 1
  let attempt = 0
  let socket: SocketLike | null = null
  let closed = false
  let current: SocketState = { state: 'connecting', attempt: 0 }

  function setState(s: SocketState): void {
    current = s
    for (const l of stateListeners) l(s)
  }

  function emit(channel: string, payload: unknown): void {
    for (const l of listeners.get(channel) ?? []) l(payload)
  }

  function onText(text: string): void {
    let msg: ServerMessage
    try {
      msg = ServerMessage.parse(JSON.parse(text))
    } catch {
      return
    }
    if (msg.t === 'result') {
      const p = pending.get(msg.id)
      if (!p) return
      pending.delete(msg.id)
      if (!msg.result.ok) return p.resolve(msg.result)
      const def = defs.get(p.channel)
      const parsed = def ? def.response.safeParse(msg.result.value) : null
      if (parsed && !parsed.success) {
        return p.resolve({
          ok: false,
          error: { code: 'internal', message: `response to ${p.channel} does not match contract` },
        })
      }
      return p.resolve({ ok: true, value: parsed ? parsed.data : msg.result.value })
    }
    const def = eventDefs.get(msg.channel)
    const parsed = def?.payload.safeParse(msg.payload)
    if (parsed?.success) emit(msg.channel, parsed.data)
  }

  function onBinary(data: ArrayBuffer | Uint8Array): void {
    const frame = decodeDataFrame(data instanceof Uint8Array ? data : new Uint8Array(data))
    if (!frame) return
    emit(events.terminalData.channel, { ...frame.header, data: frame.payload })
  }

  function connect(): void {
    if (closed) return
    setState({ state: 'connecting', attempt })
    const ws = makeSocket(options.url)
    ws.binaryType = 'arraybuffer'
    socket = ws
    ws.onopen = () => {
      attempt = 0
      setState({ state: 'open' })
      for (const w of [...waiters]) w()
    }
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') onText(ev.data)
      else if (ev.data instanceof ArrayBuffer || ev.data instanceof Uint8Array) onBinary(ev.data)
    }
    ws.onerror = () => {}
    ws.onclose = (ev) => {
      socket = null
      for (const [id, p] of pending) {
        pending.delete(id)
        p.resolve(ioError(`connection to the console server lost during ${p.channel}`))
      }
      if (closed) return
      const retryInMs = backoffMs(attempt, options.baseDelayMs, options.maxDelayMs)
      const reason = ev.reason || (ev.code ? `socket closed (code ${ev.code})` : 'socket closed')
      setState({ state: 'closed', attempt, retryInMs, reason })
      attempt++
      setTimer(connect, retryInMs)
    }
  }

  function whenOpen(): Promise<boolean> {
    if (socket && current.state === 'open') return Promise.resolve(true)
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        waiters.delete(onOpen)
        clearTimer(timer)
        resolve(ok)
      }
      const onOpen = () => done(true)
      const timer = setTimer(() => done(false), options.openTimeoutMs ?? 10_000)
      waiters.add(onOpen)
    })
  }

  async function invoke(channel: string, request: unknown): Promise<IpcResult<unknown>> {
    if (closed) return ioError('client closed')
    if (!(await whenOpen()) || !socket) {
      return ioError(`console server unreachable: ${channel} not sent`)
    }
    const id = nextId++
    const msg: ClientMessage = { t: 'call', id, channel, request }
    return new Promise((resolve) => {
      pending.set(id, { resolve, channel })
      socket?.send(JSON.stringify(msg))
    })
  }

  const eventDefs = new Map<string, EventDef>()
  const api: Record<string, unknown> = {}
  for (const [domain, verbs] of Object.entries(calls)) {
    const group: Record<string, unknown> = {}
    for (const [verb, def] of Object.entries(verbs) as [string, CallDef][]) {
      defs.set(def.channel, def)
      group[verb] = (request: unknown) => invoke(def.channel, request)
    }
    api[domain] = group
  }
  const eventGroup: Record<string, unknown> = {}
  for (const [name, def] of Object.entries(events) as [string, EventDef][]) {
    eventDefs.set(def.channel, def)
    eventGroup[name] = (listener: (payload: unknown) => void) => {
      const set = listeners.get(def.channel) ?? new Set()
      set.add(listener)
      listeners.set(def.channel, set)
      return () => set.delete(listener)
    }
  }
  api.events = eventGroup

  connect()
  return {
    api: api as LabApi,
    state: () => current,
    onState(listener) {
      stateListeners.add(listener)
      return () => stateListeners.delete(listener)
    },
    close() {
      closed = true
      socket?.close()
    },
  }
}
