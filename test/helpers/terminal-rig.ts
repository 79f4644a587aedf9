import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll } from 'vitest'

import { startLab, type Lab, type LabOptions } from '../../labsim'
import { createBackend, type Backend } from '../../main/service/backend'
import { poll } from './poll'

/**
 * The front-door session of the rig: stands in for a renderer whose xterm panes ack every chunk
 * from their write callback (`terminals:ack`), or — with `setAcking(false)` — a renderer that
 * has stalled mid-flood, so main's ack window fills and the ssh2 stream is paused.
 */
export interface RendererSession {
  /** Bytes received on a stream so far. */
  bytes(streamId: string): number
  /** The last 200,000 characters a stream delivered (UTF-8 decoded). */
  text(streamId: string): string
  /** Every `terminals:status` event, in order. */
  readonly statuses: Array<{ streamId: string; state: string; message?: string }>
  /** Stops or restarts acking; restarting acks everything held back, like xterm catching up. */
  setAcking(on: boolean): void
}

/** labsim + the back end (TerminalManager over real SSH) + one renderer session `s1`. */
export interface TerminalRig {
  readonly lab: Lab
  readonly backend: Backend
  readonly session: RendererSession
  /** The back end's data directory (inventory, known_hosts, logs). */
  readonly dataDir: string
  /** Dispatches a contract call as session `s1`; throws `channel: code: message` on failure. */
  call<T>(channel: string, request: unknown): Promise<T>
  /** `poll()` at most 10 ms apart; on timeout throws naming `what` and the stream's tail. */
  until(
    what: string,
    predicate: () => boolean,
    timeoutMs?: number,
    streamId?: string,
  ): Promise<void>
  /** Closes the back end, the lab and the data directory. */
  close(): Promise<void>
}

interface StreamState {
  bytes: number
  text: string
  /** Received while not acking: acked when acking restarts. */
  heldBytes: number
  heldLines: number
}

/** Starts labsim in-process and a back end whose hosts are its simulated hosts (not connected). */
export async function startTerminalRig(options: LabOptions): Promise<TerminalRig> {
  const lab = await startLab(options)
  const dir = await mkdtemp(join(tmpdir(), 'replab-term-'))
  const backend = await createBackend({ dataDir: dir })
  await backend.addSimulatedHosts(lab.hosts)
  const ctx = { sessionId: 's1', signal: new AbortController().signal }
  const streams = new Map<string, StreamState>()
  const stream = (id: string): StreamState => {
    let s = streams.get(id)
    if (!s) streams.set(id, (s = { bytes: 0, text: '', heldBytes: 0, heldLines: 0 }))
    return s
  }
  const ack = (streamId: string, bytes: number, lines: number): void =>
    void backend.dispatcher.dispatch('terminals:ack', { streamId, bytes, lines }, ctx)
  let acking = true
  const session: RendererSession = {
    bytes: (id) => stream(id).bytes,
    text: (id) => stream(id).text,
    statuses: [],
    setAcking(on) {
      acking = on
      if (!on) return
      for (const [id, s] of streams) {
        if (s.heldBytes > 0) ack(id, s.heldBytes, s.heldLines)
        Object.assign(s, { heldBytes: 0, heldLines: 0 })
      }
    },
  }
  backend.hub.attach({
    sessionId: 's1',
    send: (channel, payload) => {
      if (channel === 'terminals:status')
        session.statuses.push(payload as RendererSession['statuses'][number])
    },
    sendData: (streamId, _seq, data) => {
      const s = stream(streamId)
      s.bytes += data.length
      s.text = (s.text + Buffer.from(data).toString('utf8')).slice(-200_000)
      const lines = data.reduce((n, byte) => (byte === 10 ? n + 1 : n), 0)
      if (acking) ack(streamId, data.length, lines)
      else [s.heldBytes, s.heldLines] = [s.heldBytes + data.length, s.heldLines + lines]
    },
  })
  return {
    lab,
    backend,
    session,
    dataDir: dir,
    async call<T>(channel: string, request: unknown): Promise<T> {
      const r = await backend.dispatcher.dispatch(channel, request, ctx)
      if (!r.ok) throw new Error(`${channel}: ${r.error.code}: ${r.error.message}`)
      return r.value as T
    },
    async until(what, predicate, timeoutMs = 30_000, streamId) {
      const tail = (): string =>
        streamId ? ` (stream tail: ${JSON.stringify(stream(streamId).text.slice(-300))})` : ''
      await poll(predicate, { timeoutMs, maxIntervalMs: 10, what }).catch((err: Error) => {
        throw new Error(`${err.message}${tail()}`)
      })
    },
    async close() {
      await backend.close()
      await lab.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Registers hooks on the enclosing `describe`: beforeAll starts a terminal rig with `options`
 * and connects `hostId`; afterAll closes it. Answers a stand-in that forwards to the rig, so
 * tests use it like the rig itself (`rig.call(…)`, `rig.lab`); reading it before beforeAll ran
 * throws.
 */
export function useTerminalRig(options: LabOptions, hostId: string): TerminalRig {
  let rig: TerminalRig | undefined
  beforeAll(async () => {
    rig = await startTerminalRig(options)
    await rig.call('hosts:connect', { hostId })
  })
  afterAll(async () => {
    await rig?.close()
  })
  return new Proxy({} as TerminalRig, {
    get(_, prop) {
      if (!rig) throw new Error(`useTerminalRig: rig.${String(prop)} read before beforeAll`)
      const value: unknown = Reflect.get(rig, prop)
      return typeof value === 'function' ? (value as () => unknown).bind(rig) : value
    },
  })
}
