import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'

import { calls, type CallDef } from '../../../contract'
import { createBackend, type Backend } from '../../../main/service/backend'
import { startWebServer, type WebServer } from '../../../main/web/server'
import { HOSTILE } from '../../helpers/fault-hostile'
import { openSessionSocket, webLogin, type WebLogin } from '../../helpers/web-session'

// Issue 9, bad input: every contract call is fuzzed with invalid shapes over the real WebSocket
// front door (main/web/server.ts) wired to the real back end (createBackend). Each answer must be
// a typed invalid-request with the caller's id; the server must keep serving afterwards.

type Answer = { t: string; id: number; result: { ok: boolean; error?: { code: string } } }

const defs = Object.values(calls).flatMap((v) => Object.values(v as Record<string, CallDef>))

let dataDir: string
let backend: Backend
let server: WebServer
let login: WebLogin

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'replab-fuzz-'))
  backend = await createBackend({ dataDir })
  server = await startWebServer({
    dispatcher: backend.dispatcher,
    hub: backend.hub,
    staticDir: '/nonexistent',
  })
  login = await webLogin(server.url)
})

afterAll(async () => {
  await server?.close()
  await backend?.close()
  await rm(dataDir, { recursive: true, force: true })
})

function open(): Promise<WebSocket> {
  return openSessionSocket(login)
}

/** Sends text frames and collects one answer per frame, matched by id (-1 for malformed). */
async function exchange(ws: WebSocket, frames: string[]): Promise<Answer[]> {
  const answers: Answer[] = []
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${answers.length} answers`)), 20_000)
    ws.on('message', (data, binary) => {
      if (binary) return
      const msg = JSON.parse(data.toString()) as Answer
      if (msg.t !== 'result') return
      answers.push(msg)
      if (answers.length === frames.length) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  for (const f of frames) ws.send(f)
  await done
  ws.removeAllListeners('message')
  return answers
}

/** Values of any shape that the call's own schema rejects. */
function invalidFor(def: CallDef, seed: number): unknown[] {
  const hostile: unknown[] = [
    null,
    0,
    'x',
    [],
    true,
    { __proto__: { polluted: 1 } },
    JSON.parse('{"constructor":{"prototype":{"polluted":1}}}'),
    { hostId: 42 },
    { hostId: 'x'.repeat(100_000) },
    ...HOSTILE.map((h) => ({ hostId: h, runId: h, streamId: h, path: h, promptId: h })),
    nest(2000),
  ]
  const random = fc.sample(fc.anything({ maxDepth: 4, withObjectString: true }), {
    numRuns: 40,
    seed,
  })
  // `undefined` drops the `request` key: a malformed frame, covered by the next test.
  return [...hostile, ...random].filter((v) => v !== undefined && !def.request.safeParse(v).success)
}

function nest(depth: number): unknown {
  let v: unknown = { hostId: 'a' }
  for (let i = 0; i < depth; i++) v = { request: v }
  return v
}

describe('WebSocket front door under fuzzing', () => {
  it('answers every invalid request of every call with a typed invalid-request', async () => {
    const ws = await open()
    let id = 1
    const sent = new Map<number, string>()
    const frames: string[] = []
    defs.forEach((def, i) => {
      for (const request of invalidFor(def, 1000 + i)) {
        const frame = JSON.stringify({ t: 'call', id, channel: def.channel, request })
        if (frame === undefined || frame.length > 900_000) continue
        sent.set(id, def.channel)
        frames.push(frame)
        id++
      }
    })
    expect(frames.length).toBeGreaterThan(defs.length * 20)
    const answers = await exchange(ws, frames)
    const wrong = answers.filter((a) => a.result.ok || a.result.error?.code !== 'invalid-request')
    expect(wrong.map((a) => ({ channel: sent.get(a.id), a }))).toEqual([])
    const missing = [...sent.keys()].filter((k) => !answers.some((a) => a.id === k))
    expect(missing.map((k) => `${sent.get(k)} ${frames[k - 1]!.slice(0, 200)}`)).toEqual([])
    ws.close()
  }, 60_000)

  it('answers malformed frames with invalid-request id -1', async () => {
    const ws = await open()
    const frames = [
      'not json',
      '',
      '{',
      'null',
      '[]',
      '{"t":"call"}',
      '{"t":"call","id":5,"channel":"hosts:list"}',
      '{"t":"call","id":"1","channel":"hosts:list","request":{}}',
      '{"t":"event","id":1,"channel":"hosts:list","request":{}}',
      JSON.stringify({ t: 'call', id: 1, channel: 42, request: {} }),
      JSON.stringify({ t: 'call', id: 1, channel: 'hosts:list\n', request: {} }),
      JSON.stringify({ t: 'call', id: 1, channel: '__proto__', request: {} }),
      JSON.stringify({ t: 'call', id: 1, channel: 'constructor', request: {} }),
      '\u0000\uffff\ud800',
    ]
    const answers = await exchange(ws, frames)
    for (const a of answers) {
      expect(a.result.ok).toBe(false)
      expect(a.result.error?.code).toBe('invalid-request')
    }
    ws.close()
  })

  it('drops an oversized frame and a binary frame without crashing, then serves again', async () => {
    const big = await open()
    const closed = new Promise<number>((resolve) => big.once('close', (code) => resolve(code)))
    big.send(
      JSON.stringify({
        t: 'call',
        id: 1,
        channel: 'hosts:list',
        request: { pad: 'x'.repeat(2 << 20) },
      }),
    )
    expect(await closed).toBe(1009)
    const ws = await open()
    ws.send(Buffer.from([0, 1, 2, 255]), { binary: true })
    const [ok] = await exchange(ws, [
      JSON.stringify({ t: 'call', id: 7, channel: 'hosts:list', request: {} }),
    ])
    expect(ok).toEqual({ t: 'result', id: 7, result: { ok: true, value: [] } })
    ws.close()
  })

  it('keeps serving valid calls after the fuzzing', async () => {
    const ws = await open()
    const answers = await exchange(ws, [
      JSON.stringify({ t: 'call', id: 1, channel: 'hosts:list', request: {} }),
      JSON.stringify({ t: 'call', id: 2, channel: 'drills:history', request: {} }),
      JSON.stringify({ t: 'call', id: 3, channel: 'snapshot:get', request: { hostId: 'nope' } }),
    ])
    const byId = new Map(answers.map((a) => [a.id, a.result]))
    expect(byId.get(1)).toEqual({ ok: true, value: [] })
    expect(byId.get(2)?.ok).toBe(true)
    expect(byId.get(3)?.ok).toBe(false)
    expect(byId.get(3)?.error?.code).not.toBe('internal')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    ws.close()
  })
})
