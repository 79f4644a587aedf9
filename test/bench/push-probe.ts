import type { WebSocket } from 'ws'

import type { HostSnapshot, SnapshotDiff } from '../../contract'
import type { Handlers } from '../../main/service/dispatcher'
import { Dispatcher } from '../../main/service/dispatcher'
import { EventHub } from '../../main/service/event-hub'
import { startWebServer, type WebServer } from '../../main/web/server'
import { openSessionSocket, webLogin } from '../helpers/web-session'

/**
 * The renderer's end of a snapshot push, without a browser: main/service's EventHub (which
 * validates every event against the contract, as in the console) and main/web's WebSocket front
 * door, logged in as a page is, with a Node `ws` client on the other end. The change bench emits
 * `snapshotChanged` exactly as main/service/engine-bridge.ts does and times its arrival.
 */

/** A logged-in socket receiving pushed events. `close()` is its only disposer. */
export interface PushProbe {
  /** What engine-bridge.ts does on a watcher change. */
  emit(hostId: string, snapshot: HostSnapshot, diff: SnapshotDiff): void
  /** Resolves with `performance.now()` when a pushed snapshot satisfies `predicate`. */
  next(predicate: (s: HostSnapshot) => boolean, timeoutMs: number): Promise<number>
  close(): Promise<void>
}

/** Every call answers `internal`: the probe only receives events. */
const NO_CALLS = new Proxy(
  {},
  {
    get: () =>
      new Proxy(
        {},
        {
          get: () => async () => {
            throw new Error('the push probe serves no calls')
          },
        },
      ),
  },
) as Handlers

/** Starts the hub, the web server and one logged-in socket. */
export async function startPushProbe(): Promise<PushProbe> {
  const hub = new EventHub()
  const server: WebServer = await startWebServer({
    dispatcher: new Dispatcher(NO_CALLS),
    hub,
    staticDir: '/nonexistent/',
    port: 0,
  })
  const ws: WebSocket = await openSessionSocket(await webLogin(server.url))
  const waiting = new Set<(s: HostSnapshot) => void>()
  ws.on('message', (data: Buffer, binary: boolean) => {
    if (binary) return
    const msg = JSON.parse(data.toString()) as { t?: string; channel?: string; payload?: unknown }
    if (msg.t !== 'event' || msg.channel !== 'snapshot:changed') return
    const snap = (msg.payload as { snapshot: HostSnapshot }).snapshot
    for (const w of [...waiting]) w(snap)
  })
  await new Promise((r) => setTimeout(r, 50)) // the secret is checked before events flow
  return {
    emit: (hostId, snapshot, diff) => hub.emit('snapshotChanged', { hostId, snapshot, diff }),
    next: (predicate, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = (s: HostSnapshot): void => {
          if (!predicate(s)) return
          waiting.delete(check)
          clearTimeout(timer)
          resolve(performance.now())
        }
        const timer = setTimeout(() => {
          waiting.delete(check)
          reject(new Error('no push'))
        }, timeoutMs)
        waiting.add(check)
      }),
    close: async () => {
      ws.close()
      await server.close()
    },
  }
}
