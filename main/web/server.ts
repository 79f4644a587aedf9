import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'

import { WebSocketServer, type WebSocket } from 'ws'

import { AuthMessage, ClientMessage, encodeDataFrame } from '../../contract'
import type { Dispatcher } from '../service/dispatcher'
import type { EventHub } from '../service/event-hub'
import { injectNonce, newNonce, rendererCsp } from './html'
import {
  IDLE_TIMEOUT_MS,
  readCookie,
  safeEqual,
  SESSION_ENDED,
  WebSessions,
  type WebSession,
} from './sessions'
import { serveStatic } from './static-files'

/** Options of the browser-mode front door. */
export interface WebServerOptions {
  readonly dispatcher: Dispatcher
  readonly hub: EventHub
  /** Directory holding the built renderer (index.html, assets/). */
  readonly staticDir: string
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  readonly port?: number
  /** A session without a request or a message for this long ends (ms); default 8 h. */
  readonly idleTimeoutMs?: number
  /** How long a new socket may take to send its session secret (ms); default 10 s. */
  readonly authTimeoutMs?: number
  /** Diagnostic log; never receives the token or a secret. */
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

const MAX_MESSAGE_BYTES = 1 << 20
/** The login redirect's fragment key: `/#replab-secret=<secret>` (renderer/api/session.ts). */
export const SECRET_FRAGMENT = 'replab-secret'
/** The header carrying the session secret on HTTP calls (logout). */
export const SECRET_HEADER = 'x-replab-secret'

/**
 * Serves the renderer and the contract over a WebSocket on 127.0.0.1 only.
 *
 * Access control (sessions.ts): the printed URL's one-time token is exchanged for an HttpOnly,
 * SameSite=Strict session cookie, named after the port, and a redirect to `/#replab-secret=…`
 * (the fragment never reaches a server; the page keeps it in its origin's localStorage). Every
 * request needs the cookie and a loopback `Host` (DNS-rebinding guard). The WebSocket upgrade
 * also needs `Origin` equal to the origin the session logged in from, and its first message
 * must be the session secret; a cookie replayed from elsewhere, with any `Origin`, gets no
 * answer and a 4401 close. `POST /logout` (cookie, Origin, secret header) ends the session.
 * Sessions idle for `idleTimeoutMs` end. Rejects with the listen error when the port is taken.
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const log = options.log ?? (() => {})
  const tokens = new Set<string>()
  const sessions = new WebSessions(options.idleTimeoutMs ?? IDLE_TIMEOUT_MS)
  let port = 0
  const cookieName = (): string => `replab_session_${port}`
  const origins = (): string[] => [`http://127.0.0.1:${port}`, `http://localhost:${port}`]
  const ctx: HttpContext = {
    hostOk: (req) => origins().some((o) => o.slice(7) === req.headers.host),
    session: (req) => sessions.get(readCookie(req.headers.cookie, cookieName())),
    tokens,
    sessions,
    cookieName,
    staticDir: options.staticDir,
    port: () => port,
  }
  const http = createServer((req, res) => void handleHttp(req, res, ctx))
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES })
  let nextSession = 1
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const origin = req.headers.origin ?? ''
    const session = ctx.hostOk(req) ? ctx.session(req) : undefined
    if (url.pathname !== '/ws' || !session || origin !== session.origin) {
      log(`web: refused WebSocket upgrade (origin ${JSON.stringify(origin).slice(0, 80)})`)
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) =>
      awaitSecret(ws, session, `ws-${nextSession++}`, sessions, options),
    )
  })

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  port = (http.address() as AddressInfo).port
  log(`web: serving on http://127.0.0.1:${port}/`)
  const login = (): string => {
    const token = randomBytes(24).toString('base64url')
    tokens.add(token)
    return `http://127.0.0.1:${port}/?token=${token}`
  }
  return {
    url: login(),
    port,
    newLoginUrl: login,
    close: () =>
      new Promise<void>((resolve) => {
        sessions.dispose()
        for (const ws of wss.clients) ws.terminate()
        wss.close()
        http.closeAllConnections()
        http.close(() => resolve())
      }),
  }
}

interface HttpContext {
  hostOk(req: IncomingMessage): boolean
  /** The live session of the request's cookie. */
  session(req: IncomingMessage): WebSession | undefined
  tokens: Set<string>
  sessions: WebSessions
  cookieName(): string
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
  if (url.pathname === '/logout') return logout(req, res, ctx)
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
    const session = ctx.sessions.create(`http://${req.headers.host ?? ''}`)
    res.setHeader(
      'Set-Cookie',
      `${ctx.cookieName()}=${session.id}; HttpOnly; SameSite=Strict; Path=/`,
    )
    res.writeHead(303, { Location: `/#${SECRET_FRAGMENT}=${session.secret}` }).end()
    return
  }
  const session = ctx.session(req)
  if (!session)
    return deny(res, 401, 'open the URL that replab printed (it carries a one-time token)')
  ctx.sessions.touch(session)
  if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'method not allowed')
  await serveStatic(ctx.staticDir, url.pathname, res, (html) => injectNonce(html, nonce))
}

/** `POST /logout`: needs the cookie, the session's Origin and its secret header. */
function logout(req: IncomingMessage, res: ServerResponse, ctx: HttpContext): void {
  if (req.method !== 'POST') return deny(res, 405, 'logout is POST /logout')
  const session = ctx.session(req)
  const secret = req.headers[SECRET_HEADER]
  if (
    !session ||
    req.headers.origin !== session.origin ||
    typeof secret !== 'string' ||
    !safeEqual(secret, session.secret)
  )
    return deny(res, 403, 'not this session')
  ctx.sessions.end(session, 'logged out')
  res.setHeader('Set-Cookie', `${ctx.cookieName()}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`)
  res.writeHead(204).end()
}

/**
 * A new socket of `session`: nothing is answered until its first message is the session's
 * secret (`AuthMessage`); anything else, or nothing within the timeout, closes it with 4401.
 */
function awaitSecret(
  ws: WebSocket,
  session: WebSession,
  sessionId: string,
  sessions: WebSessions,
  options: WebServerOptions,
): void {
  const refuse = (why: string): void => ws.close(SESSION_ENDED, why)
  const timer = setTimeout(() => refuse('no session secret'), options.authTimeoutMs ?? 10_000)
  ws.once('message', (raw, isBinary) => {
    clearTimeout(timer)
    let secret = ''
    try {
      secret = isBinary ? '' : AuthMessage.parse(JSON.parse(raw.toString())).secret
    } catch {
      // not an auth message: refused below
    }
    if (!safeEqual(secret, session.secret)) return refuse('this socket did not prove its session')
    sessions.touch(session)
    session.sockets.add(ws)
    ws.on('close', () => session.sockets.delete(ws))
    attachSession(ws, sessionId, options, () => sessions.touch(session))
  })
  ws.on('close', () => clearTimeout(timer))
  ws.on('error', () => ws.terminate())
}

function attachSession(
  ws: WebSocket,
  sessionId: string,
  options: WebServerOptions,
  touch: () => void,
): void {
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
    touch()
    if (isBinary) return
    void answer(ws, raw.toString(), sessionId, abort.signal, options.dispatcher)
  })
  ws.on('close', () => {
    abort.abort()
    detach()
  })
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
