import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'

import { decodeDataFrame } from '../../../contract'
import { startLab, type Lab } from '../../../labsim'
import { createBackend, type Backend } from '../../../main/service/backend'
import { startWebServer, type WebServer } from '../../../main/web/server'
import { poll } from '../../helpers/poll'
import { openSessionSocket, webLogin } from '../../helpers/web-session'

// Issue 20, "Floods and leaks": terminal panes outlived their page or socket (`closeSession` was
// never called), so after a reload the new dmesg pane stayed blank, queued behind the orphans'
// SSH channels; and `terminals:open` had no cap per session (300 panes, 301 open files). Over
// the real WebSocket front door to labsim: a socket's panes end with it (their remote commands
// are gone), the next page's pane shows output at once, and one page may hold 32 panes.

const HOST = 'sim-a'

/** A page: its socket, the answers to its calls and the terminal bytes it received. */
interface Page {
  readonly ws: WebSocket
  call(
    channel: string,
    request: unknown,
  ): Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>
  text(): string
}

function page(ws: WebSocket): Page {
  let id = 0
  let text = ''
  const waiting = new Map<number, (r: never) => void>()
  ws.on('message', (data, binary) => {
    if (binary) {
      const frame = decodeDataFrame(new Uint8Array(data as Buffer))
      if (frame) text += Buffer.from(frame.payload).toString('utf8')
      return
    }
    const msg = JSON.parse(data.toString()) as { t: string; id: number; result: never }
    if (msg.t === 'result') waiting.get(msg.id)?.(msg.result)
  })
  return {
    ws,
    call: (channel, request) =>
      new Promise((resolve) => {
        const n = ++id
        waiting.set(n, resolve)
        ws.send(JSON.stringify({ t: 'call', id: n, channel, request }))
      }),
    text: () => text,
  }
}

describe('terminal panes live and die with their page', () => {
  let lab: Lab
  let dir: string
  let backend: Backend
  let server: WebServer

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, profile: 'fixed', speed: 0.02 })
    dir = await mkdtemp(join(tmpdir(), 'replab-panes-'))
    backend = await createBackend({ dataDir: dir })
    await backend.addSimulatedHosts(lab.hosts)
    server = await startWebServer({
      dispatcher: backend.dispatcher,
      hub: backend.hub,
      staticDir: '/nonexistent',
    })
  })
  afterAll(async () => {
    await server?.close()
    await backend?.close()
    await lab?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  const dmesgs = (): number =>
    lab
      .host(HOST)
      .processes()
      .filter((p) => p.command === 'dmesg -w').length
  const open = (p: Page) =>
    p.call('terminals:open', { hostId: HOST, kind: 'dmesg', cols: 80, rows: 24 })

  it('closing the socket ends its panes; the next page is not queued behind them', async () => {
    const first = page(await openSessionSocket(await webLogin(server.url)))
    expect((await first.call('hosts:connect', { hostId: HOST })).ok).toBe(true)
    for (let i = 0; i < 4; i++) expect((await open(first)).ok).toBe(true)
    await poll(() => dmesgs() === 4, { timeoutMs: 30_000, what: "the first page's 4 dmesg -w" })
    first.ws.close() // the page reloads
    await poll(() => dmesgs() === 0, { timeoutMs: 30_000, what: 'the orphaned dmesg -w gone' })

    const second = page(await openSessionSocket(await webLogin(server.newLoginUrl())))
    expect((await open(second)).ok).toBe(true)
    await poll(() => dmesgs() === 1, { timeoutMs: 30_000, what: "the new page's dmesg -w" })
    lab.host(HOST).kernel.printk('replab-after-reload: the new pane shows this')
    await poll(() => second.text().includes('replab-after-reload'), {
      timeoutMs: 30_000,
      what: 'the line in the new dmesg pane',
    })
    second.ws.close()
    await poll(() => dmesgs() === 0, { timeoutMs: 30_000, what: "the second page's pane gone" })
  }, 120_000)

  it('a page may hold 32 panes; the 33rd is limit-exceeded naming the cap', async () => {
    const p = page(await openSessionSocket(await webLogin(server.newLoginUrl())))
    for (let i = 0; i < 32; i++) expect((await open(p)).ok, `pane ${i + 1}`).toBe(true)
    const over = await open(p)
    expect(over.ok).toBe(false)
    expect(over.error?.code).toBe('limit-exceeded')
    expect(over.error?.message).toContain('32 terminal panes')
    // Another page is not affected by this one's cap.
    const other = page(await openSessionSocket(await webLogin(server.newLoginUrl())))
    expect((await open(other)).ok).toBe(true)
    p.ws.close()
    other.ws.close()
    await poll(() => dmesgs() === 0, { timeoutMs: 30_000, what: 'every pane of both pages gone' })
  }, 120_000)
})
