import { randomBytes, timingSafeEqual } from 'node:crypto'

import type { WebSocket } from 'ws'

import { SESSION_ENDED_CODE } from '../../contract'

/**
 * Browser-mode sessions. A cookie alone is not a session: browsers send a 127.0.0.1 cookie to
 * every port on 127.0.0.1 (cookies ignore ports, RFC 6265 §8.5), so any other local listener the
 * browser visits receives it. A session therefore also has
 * - the origin of the page that logged in (`http://127.0.0.1:<port>`): the WebSocket's `Origin`
 *   and logout's `Origin` must be exactly it;
 * - a per-session secret that no cookie carries: delivered once in the login redirect's URL
 *   fragment (never sent to a server), kept by the page in its origin's localStorage (which
 *   another port cannot read), and sent as the WebSocket's first message and logout's header;
 * - an idle deadline: no request and no message for `idleTimeoutMs` ends it.
 * Ending a session closes its sockets with code 4401 and the reason.
 */

/** WebSocket close code of an ended session (the page stops reconnecting and says why). */
export const SESSION_ENDED = SESSION_ENDED_CODE

/** Default idle timeout: 8 hours without a request or a message. */
export const IDLE_TIMEOUT_MS = 8 * 3600 * 1000

/** One logged-in page (and the tabs that share its localStorage). */
export interface WebSession {
  /** The cookie value. */
  readonly id: string
  readonly secret: string
  /** `http://<Host of the login request>`: the only Origin its sockets and logout may have. */
  readonly origin: string
  lastSeen: number
  readonly sockets: Set<WebSocket>
}

/** Constant-time string comparison. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Reads one cookie from a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === name) return v.join('=')
  }
  return undefined
}

/** The live sessions of one server; `dispose()` stops the idle sweep. */
export class WebSessions {
  private readonly sessions = new Map<string, WebSession>()
  private readonly sweeper: ReturnType<typeof setInterval>

  constructor(
    private readonly idleTimeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, idleTimeoutMs))
    this.sweeper.unref()
  }

  /** A new session for a page loaded from `origin`. */
  create(origin: string): WebSession {
    const s: WebSession = {
      id: randomBytes(32).toString('base64url'),
      secret: randomBytes(32).toString('base64url'),
      origin,
      lastSeen: this.now(),
      sockets: new Set(),
    }
    this.sessions.set(s.id, s)
    return s
  }

  /** The live session whose id is `cookie` (ended when idle too long), or undefined. */
  get(cookie: string | undefined): WebSession | undefined {
    if (cookie === undefined) return undefined
    for (const s of this.sessions.values()) {
      if (!safeEqual(s.id, cookie)) continue
      if (this.now() - s.lastSeen <= this.idleTimeoutMs) return s
      this.end(s, 'session expired after inactivity')
      return undefined
    }
    return undefined
  }

  /** Activity: moves the idle deadline. */
  touch(s: WebSession): void {
    s.lastSeen = this.now()
  }

  /** Ends a session: forgets it and closes its sockets with `reason`. */
  end(s: WebSession, reason: string): void {
    this.sessions.delete(s.id)
    for (const ws of s.sockets) ws.close(SESSION_ENDED, reason)
    s.sockets.clear()
  }

  /** Ends every session idle for longer than the timeout. */
  sweep(): void {
    for (const s of [...this.sessions.values()])
      if (this.now() - s.lastSeen > this.idleTimeoutMs)
        this.end(s, 'session expired after inactivity')
  }

  dispose(): void {
    clearInterval(this.sweeper)
    for (const s of [...this.sessions.values()]) this.end(s, 'server shutting down')
  }
}
