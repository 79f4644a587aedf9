import { WebSocket } from 'ws'

/**
 * Logging in to browser mode (main/web) the way the console page does, from Node: trade the
 * one-time URL for the session cookie and the secret the redirect's fragment carries, and open
 * sockets that send that secret first. Tests of attacks use the pieces on their own.
 */

/** A logged-in browser-mode session. */
export interface WebLogin {
  /** `replab_session_<port>=<id>`, as a `Cookie` header. */
  readonly cookie: string
  readonly secret: string
  /** `http://127.0.0.1:<port>`: the page's origin. */
  readonly origin: string
  readonly port: number
}

/** Opens the one-time login URL; resolves with the session's cookie, secret and origin. */
export async function webLogin(url: string): Promise<WebLogin> {
  const res = await fetch(url, { redirect: 'manual' })
  if (res.status !== 303) throw new Error(`login answered ${res.status}`)
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  const secret = /#replab-secret=([\w-]+)$/.exec(res.headers.get('location') ?? '')?.[1]
  if (!cookie || !secret) throw new Error('login gave no cookie or no secret')
  const { port, origin } = new URL(url)
  return { cookie, secret, origin, port: Number(port) }
}

/** Opens `/ws` with these headers; rejects with `HTTP <status>` when the upgrade is refused. */
export function openRawSocket(port: number, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers })
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

/** A socket of the session that has sent its secret (as the console page does first). */
export async function openSessionSocket(login: WebLogin): Promise<WebSocket> {
  const ws = await openRawSocket(login.port, { cookie: login.cookie, origin: login.origin })
  ws.send(JSON.stringify({ t: 'auth', secret: login.secret }))
  return ws
}

/** Resolves with the close code and reason of a socket once it closes. */
export function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    if (ws.readyState === ws.CLOSED) return resolve({ code: 1006, reason: '' })
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))
  })
}
