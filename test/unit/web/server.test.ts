import { afterEach, describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'

import { Dispatcher } from '../../../main/service/dispatcher'
import { EventHub } from '../../../main/service/event-hub'
import { startWebServer, type WebServer } from '../../../main/web/server'
import { stubHandlers } from '../../helpers/stub-handlers'
import { openRawSocket, openSessionSocket, webLogin } from '../../helpers/web-session'

let server: WebServer | undefined
const logLines: string[] = []

async function start(): Promise<WebServer> {
  const dispatcher = new Dispatcher(stubHandlers({ hosts: { list: async () => [] } }))
  server = await startWebServer({
    dispatcher,
    hub: new EventHub(),
    staticDir: '/nonexistent',
    log: (l) => logLines.push(l),
  })
  return server
}

afterEach(async () => {
  await server?.close()
  server = undefined
})

async function login(s: WebServer): Promise<string> {
  const res = await fetch(s.url, { redirect: 'manual' })
  expect(res.status).toBe(303)
  const cookie = res.headers.get('set-cookie') ?? ''
  expect(cookie).toMatch(new RegExp(`^replab_session_${s.port}=.*HttpOnly; SameSite=Strict`))
  expect(res.headers.get('location')).toMatch(/^\/#replab-secret=[\w-]{43}$/)
  return cookie.split(';')[0]!
}

function openWs(s: WebServer, headers: Record<string, string>): Promise<WebSocket> {
  return openRawSocket(s.port, headers)
}

function call(ws: WebSocket, message: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    ws.once('message', (data) => resolve(JSON.parse(data.toString())))
    ws.send(typeof message === 'string' ? message : JSON.stringify(message))
  })
}

describe('browser-mode front door', () => {
  it('binds 127.0.0.1 only and prints a URL with a token', async () => {
    const s = await start()
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/)
  })

  it('accepts the token once, then requires the session cookie', async () => {
    const s = await start()
    const cookie = await login(s)
    const again = await fetch(s.url, { redirect: 'manual' })
    expect(again.status).toBe(401)
    expect((await fetch(`http://127.0.0.1:${s.port}/`)).status).toBe(401)
    const withCookie = await fetch(`http://127.0.0.1:${s.port}/`, { headers: { cookie } })
    expect(withCookie.status).toBe(404) // no build in /nonexistent, but past the gate
    expect(withCookie.headers.get('content-security-policy')).not.toMatch(/unsafe-(inline|eval)/)
  })

  it('refuses a WebSocket from another Origin, without the cookie, or with a foreign Host', async () => {
    const s = await start()
    const cookie = await login(s)
    const origin = `http://127.0.0.1:${s.port}`
    await expect(openWs(s, { cookie, origin: 'http://evil.example' })).rejects.toThrow('HTTP 403')
    await expect(openWs(s, { origin })).rejects.toThrow('HTTP 403')
    await expect(openWs(s, { cookie, origin, host: `evil.example:${s.port}` })).rejects.toThrow(
      'HTTP 403',
    )
    const ws = await openWs(s, { cookie, origin })
    ws.close()
    const authed = await openSessionSocket(await webLogin(s.newLoginUrl()))
    expect(await call(authed, { t: 'call', id: 1, channel: 'hosts:list', request: {} })).toEqual({
      t: 'result',
      id: 1,
      result: { ok: true, value: [] },
    })
    authed.close()
  })

  it('answers invalid-request for malformed messages, unknown channels and bad shapes', async () => {
    const s = await start()
    const ws = await openSessionSocket(await webLogin(s.url))
    const bad = [
      'not json',
      { t: 'call', id: 2, channel: 'hosts:nope', request: {} },
      {
        t: 'call',
        id: 3,
        channel: 'ops:run',
        request: { hostId: 'a', request: { op: 'pci-reset', bdf: '$(reboot)' }, confirmed: true },
      },
      { t: 'call', id: 4, channel: 'snapshot:get', request: { hostId: '; rm -rf /' } },
    ]
    for (const message of bad) {
      const answer = (await call(ws, message)) as {
        result: { ok: boolean; error: { code: string } }
      }
      expect(answer.result.ok).toBe(false)
      expect(answer.result.error.code).toBe('invalid-request')
    }
    ws.close()
  })

  it('never writes the token to its log', async () => {
    const s = await start()
    await login(s)
    const token = new URL(s.url).searchParams.get('token')!
    expect(logLines.join('\n')).not.toContain(token)
  })
})
