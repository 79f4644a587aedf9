import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'

import { WebSocketServer, type WebSocket } from 'ws'

import { ClientMessage, encodeDataFrame } from '../../contract'
import type { Dispatcher } from '../service/dispatcher'
import type { EventHub } from '../service/event-hub'
import { injectNonce, newNonce, rendererCsp } from './html'
import { serveStatic } from './static-files'

/** Options of the browser-mode front door. */
export interface WebServerOptions {
  readonly dispatcher: Dispatcher
  readonly hub: EventHub
  /** Directory holding the built renderer (index.html, assets/). */
  readonly staticDir: string
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  readonly port?: number
  /** Diagnostic log; never receives the token. */
  readonly log?: (line: string) => void
}

/** A running browser-mode server. `url` carries the one-time token: print it, never log it. */
export interface WebServer {
  readonly url: string
  readonly port: number
  /** Issues a fresh one-time URL (for a second browser). */
  newLoginUrl(): string
  close(): Promise<void>
}

const COOKIE = 'replab_session'
const MAX_MESSAGE_BYTES = 1 << 20

/**
 * Serves the renderer and the contract over a WebSocket on 127.0.0.1 only.
 *
 * Access control: the printed URL's one-time token is exchanged for an HttpOnly, SameSite=Strict
 * session cookie and then forgotten; every request and the WebSocket upgrade need that cookie, a
 * loopback `Host` (DNS-rebinding guard) and, for the upgrade, the server's own `Origin`.
 * Rejects with the listen error when the port is taken.
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const log = options.log ?? (() => {})
  const tokens = new Set<string>()
  const sessions = new Set<string>()
  let port = 0
  const origins = (): string[] => [`http://127.0.0.1:${port}`, `http://localhost:${port}`]
  const hostOk = (req: IncomingMessage): boolean =>
    origins().some((o) => o.slice(7) === req.headers.host)
  const cookieOk = (req: IncomingMessage): boolean => {
    const value = readCookie(req.headers.cookie, COOKIE)
    return value !== undefined && [...sessions].some((s) => safeEqual(s, value))
  }
  const newToken = (): string => {
    const token = randomBytes(24).toString('base64url')
    tokens.add(token)
    return token
  }

  const http = createServer((req, res) => {
    void handleHttp(req, res, {
      hostOk,
      cookieOk,
      tokens,
      sessions,
      staticDir: options.staticDir,
      port: () => port,
    })
  })
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES })
  let nextSession = 1
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const origin = req.headers.origin ?? ''
    if (url.pathname !== '/ws' || !hostOk(req) || !origins().includes(origin) || !cookieOk(req)) {
      log(`web: refused WebSocket upgrade (origin ${JSON.stringify(origin).slice(0, 80)})`)
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => attachSession(ws, `ws-${nextSession++}`, options))
  })

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  port = (http.address() as AddressInfo).port
  log(`web: serving on http://127.0.0.1:${port}/`)
  const login = (): string => `http://127.0.0.1:${port}/?token=${newToken()}`
  return {
    url: login(),
    port,
    newLoginUrl: login,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate()
        wss.close()
        http.closeAllConnections()
        http.close(() => resolve())
      }),
  }
}

interface HttpContext {
  hostOk(req: IncomingMessage): boolean
  cookieOk(req: IncomingMessage): boolean
  tokens: Set<string>
  sessions: Set<string>
  staticDir: string
  port(): number
}

async function handleHttp(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: HttpContext,
): Promise<void> {
  const nonce = newNonce()
  setSecurityHeaders(res, ctx.port(), nonce)
  if (!ctx.hostOk(req)) return deny(res, 421, 'wrong Host header')
  const url = new URL(req.url ?? '/', 'http://x')
  const token = url.searchParams.get('token')
  if (token !== null) {
    const match = [...ctx.tokens].find((t) => safeEqual(t, token))
    if (!match)
      return deny(
        res,
        401,
        'this login link was already used or is wrong: ask replab for a new one',
      )
    ctx.tokens.delete(match)
    const session = randomBytes(32).toString('base64url')
    ctx.sessions.add(session)
    res.setHeader('Set-Cookie', `${COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`)
    res.writeHead(303, { Location: '/' }).end()
    return
  }
  if (!ctx.cookieOk(req))
    return deny(res, 401, 'open the URL that replab printed (it carries a one-time token)')
  if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'method not allowed')
  await serveStatic(ctx.staticDir, url.pathname, res, (html) => injectNonce(html, nonce))
}

function attachSession(ws: WebSocket, sessionId: string, options: WebServerOptions): void {
  const abort = new AbortController()
  const detach = options.hub.attach({
    sessionId,
    send: (channel, payload) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ t: 'event', channel, payload }))
    },
    sendData: (streamId, seq, data) => {
      if (ws.readyState === ws.OPEN)
        ws.send(encodeDataFrame({ streamId, seq }, data), { binary: true })
    },
  })
  ws.on('message', (raw, isBinary) => {
    if (isBinary) return
    void answer(ws, raw.toString(), sessionId, abort.signal, options.dispatcher)
  })
  ws.on('close', () => {
    abort.abort()
    detach()
  })
  ws.on('error', () => ws.terminate())
}

async function answer(
  ws: WebSocket,
  text: string,
  sessionId: string,
  signal: AbortSignal,
  dispatcher: Dispatcher,
): Promise<void> {
  let message: ClientMessage
  try {
    message = ClientMessage.parse(JSON.parse(text))
  } catch {
    const error = {
      code: 'invalid-request',
      message: 'malformed message: expected {t:"call", id, channel, request}',
    }
    ws.send(JSON.stringify({ t: 'result', id: -1, result: { ok: false, error } }))
    return
  }
  const result = await dispatcher.dispatch(message.channel, message.request, { sessionId, signal })
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ t: 'result', id: message.id, result }))
}

function setSecurityHeaders(res: ServerResponse, port: number, nonce: string): void {
  res.setHeader(
    'Content-Security-Policy',
    rendererCsp(nonce, [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]),
  )
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('Referrer-Policy', 'no-referrer')
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
  res.setHeader('Cache-Control', 'no-store')
}

function deny(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`replab: ${message}\n`)
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === name) return v.join('=')
  }
  return undefined
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
