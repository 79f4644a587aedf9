import { afterEach, describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'

import { Dispatcher } from '../../../main/service/dispatcher'
import { EventHub } from '../../../main/service/event-hub'
import { startWebServer, type WebServer } from '../../../main/web/server'
import { poll } from '../../helpers/poll'
import { stubHandlers } from '../../helpers/stub-handlers'
import {
  closed,
  openRawSocket,
  openSessionSocket,
  webLogin,
  type WebLogin,
} from '../../helpers/web-session'

// Issue 20, "Trust": browser mode's session cookie was the whole gate, and cookies ignore ports:
// any other listener on 127.0.0.1 the browser visits receives it, and replaying it with a forged
// Origin from a non-browser client gave a root shell on a host. Sessions never expired and had
// no logout. Now a socket must also send the session's secret (which no cookie carries) before
// anything is answered, its Origin must be the page's own, idle sessions end, and
// `POST /logout` ends one.

let server: WebServer | undefined
/** Calls that reached the back end: the attack must not get here. */
const reached: string[] = []

async function start(idleTimeoutMs?: number): Promise<WebServer> {
  reached.length = 0
  const dispatcher = new Dispatcher(
    stubHandlers({
      hosts: { list: async () => (reached.push('hosts:list'), []) },
      terminals: {
        open: async () => {
          reached.push('terminals:open')
          return { streamId: 't-1', logPath: '/tmp/x.log' }
        },
      },
    }),
  )
  server = await startWebServer({
    dispatcher,
    hub: new EventHub(),
    staticDir: '/nonexistent',
    authTimeoutMs: 300,
    ...(idleTimeoutMs ? { idleTimeoutMs } : {}),
  })
  return server
}

afterEach(async () => {
  await server?.close()
  server = undefined
})

const shell = JSON.stringify({
  t: 'call',
  id: 7,
  channel: 'terminals:open',
  request: { hostId: 'lab-01', kind: 'shell', cols: 80, rows: 24 },
})

function answers(ws: WebSocket): unknown[] {
  const got: unknown[] = []
  ws.on('message', (d, binary) => {
    if (!binary) got.push(JSON.parse(d.toString()))
  })
  return got
}

describe('browser-mode sessions', () => {
  it('a replayed cookie with a forged Origin, without the secret, gets no answer and a 4401 close', async () => {
    const s = await start()
    const victim: WebLogin = await webLogin(s.url)
    // What another local listener received: the cookie only. Origin forged to the page's own.
    const thief = await openRawSocket(s.port, { cookie: victim.cookie, origin: victim.origin })
    const got = answers(thief)
    thief.send(shell)
    expect(await closed(thief)).toEqual({
      code: 4401,
      reason: 'this socket did not prove its session',
    })
    expect(got).toEqual([])
    // Sending nothing at all is refused too, once the secret's deadline passes.
    const silent = await openRawSocket(s.port, { cookie: victim.cookie, origin: victim.origin })
    expect(await closed(silent)).toEqual({ code: 4401, reason: 'no session secret' })
    // Another port's origin (the other listener's own page) is refused at the upgrade.
    await expect(
      openRawSocket(s.port, { cookie: victim.cookie, origin: `http://127.0.0.1:${s.port + 1}` }),
    ).rejects.toThrow('HTTP 403')
    // A secret is bound to its session: another session's cookie cannot use it.
    const other = await webLogin(s.newLoginUrl())
    const mixed = await openRawSocket(s.port, { cookie: other.cookie, origin: other.origin })
    mixed.send(JSON.stringify({ t: 'auth', secret: victim.secret }))
    mixed.send(shell)
    expect((await closed(mixed)).code).toBe(4401)
    expect(reached).toEqual([])
    // The page itself, with its secret, is served.
    const page = await openSessionSocket(victim)
    const pageGot = answers(page)
    page.send(shell)
    await poll(() => pageGot.length === 1, { what: 'the page answered' })
    expect(reached).toEqual(['terminals:open'])
    page.close()
  })

  it('an idle session expires: its socket is closed and its cookie refused', async () => {
    const s = await start(400)
    const login = await webLogin(s.url)
    const ws = await openSessionSocket(login)
    const end = await poll(() => closed(ws), { timeoutMs: 10_000, what: 'the idle socket closed' })
    expect(end).toEqual({ code: 4401, reason: 'session expired after inactivity' })
    const page = await fetch(`${login.origin}/`, { headers: { cookie: login.cookie } })
    expect(page.status).toBe(401)
    await expect(
      openRawSocket(s.port, { cookie: login.cookie, origin: login.origin }),
    ).rejects.toThrow('HTTP 403')
  })

  it('logout needs the secret and the page origin, then ends the session everywhere', async () => {
    const s = await start()
    const login = await webLogin(s.url)
    const ws = await openSessionSocket(login)
    const post = (headers: Record<string, string>) =>
      fetch(`${login.origin}/logout`, {
        method: 'POST',
        headers: { cookie: login.cookie, ...headers },
      })
    expect((await post({ origin: login.origin })).status).toBe(403)
    expect(
      (await post({ origin: 'http://127.0.0.1:1', 'x-replab-secret': login.secret })).status,
    ).toBe(403)
    expect(
      (await fetch(`${login.origin}/logout`, { headers: { cookie: login.cookie } })).status,
    ).toBe(405)
    const out = await post({ origin: login.origin, 'x-replab-secret': login.secret })
    expect(out.status).toBe(204)
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/)
    expect(await closed(ws)).toEqual({ code: 4401, reason: 'logged out' })
    expect((await fetch(`${login.origin}/`, { headers: { cookie: login.cookie } })).status).toBe(
      401,
    )
    await expect(
      openRawSocket(s.port, { cookie: login.cookie, origin: login.origin }),
    ).rejects.toThrow('HTTP 403')
  })
})
