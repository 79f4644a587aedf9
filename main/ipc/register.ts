import {
  ipcMain,
  MessageChannelMain,
  type MessagePortMain,
  type WebContents,
  type WebFrameMain,
} from 'electron'

import { calls, labError, TERMINAL_PORT_CHANNEL, type CallDef } from '../../contract'
import type { Dispatcher } from '../service/dispatcher'
import type { EventHub } from '../service/event-hub'
import { bindTerminalPort, TerminalSink, type PortLike } from '../service/terminal-port'

/** Decides whether an IPC sender is one of our own windows' main frames. */
export type SenderCheck = (frame: WebFrameMain | null, contents: WebContents) => boolean

/**
 * Serves every contract call over `ipcMain.handle`, checking the sender first (Electron
 * security checklist #17: validate the sender of all IPC messages) and validating the request
 * through the shared dispatcher. An untrusted sender answers `invalid-request`, never silence.
 * Returns the function that removes the handlers.
 */
export function registerIpc(dispatcher: Dispatcher, isTrusted: SenderCheck): () => void {
  const channels: string[] = []
  for (const verbs of Object.values(calls)) {
    for (const def of Object.values(verbs as Record<string, CallDef>)) {
      channels.push(def.channel)
      ipcMain.handle(def.channel, async (event, request: unknown) => {
        if (!isTrusted(event.senderFrame, event.sender)) {
          return {
            ok: false,
            error: labError('invalid-request', `${def.channel}: untrusted sender`).data,
          }
        }
        return dispatcher.dispatch(def.channel, request, {
          sessionId: `ipc-${event.sender.id}`,
          signal: AbortSignal.timeout(24 * 3600 * 1000),
        })
      })
    }
  }
  return () => channels.forEach((c) => ipcMain.removeHandler(c))
}

/** `MessagePortMain` as the back end's `PortLike` (its `message` event carries `.data`). */
function portLike(port: MessagePortMain): PortLike {
  return {
    postMessage: (message) => port.postMessage(message),
    onMessage(listener) {
      const handler = (event: { data: unknown }): void => listener(event.data)
      port.on('message', handler)
      port.start()
      return () => port.off('message', handler)
    },
    close: () => port.close(),
  }
}

/**
 * Attaches a window to the event hub. Events go out with `webContents.send`; terminal streams
 * travel over a `MessageChannelMain` (contract/terminal-port.ts): each main-frame page load
 * gets a fresh channel, main keeps `port1` (bound with `bindTerminalPort`) and sends `port2`
 * to the preload once the page has loaded. Until the page says `hello` on it, and for streams
 * opened before that, bytes keep using `webContents.send`. Answers the one dispose function
 * (also run when the contents are destroyed): it closes the ports and detaches the window.
 */
export function attachWindow(
  hub: EventHub,
  dispatcher: Dispatcher,
  contents: WebContents,
): () => void {
  const sink = new TerminalSink({
    sessionId: `ipc-${contents.id}`,
    send: (channel, payload) => {
      if (!contents.isDestroyed()) contents.send(channel, payload)
    },
    sendData: (streamId, seq, data) => {
      if (!contents.isDestroyed()) contents.send('terminals:data', { streamId, seq, data })
    },
  })
  const detach = hub.attach(sink)
  let unbind = (): void => {}
  let pending: MessagePortMain | null = null
  // A committed main-frame navigation is a new page: the old page's port goes with it.
  const navigated = (): void => {
    // The old page's terminal streams end with it (the window's session id stays the same).
    hub.pageGone(sink.sessionId)
    unbind()
    pending?.close()
    const { port1, port2 } = new MessageChannelMain()
    unbind = bindTerminalPort(portLike(port1), { sink, dispatcher })
    pending = port2
  }
  const loaded = (): void => {
    if (!pending || contents.isDestroyed()) return
    contents.postMessage(TERMINAL_PORT_CHANNEL, null, [pending])
    pending = null
  }
  contents.on('did-navigate', navigated)
  contents.on('did-finish-load', loaded)
  let disposed = false
  const dispose = (): void => {
    if (disposed) return
    disposed = true
    contents.off('did-navigate', navigated)
    contents.off('did-finish-load', loaded)
    unbind()
    pending?.close()
    detach()
  }
  contents.once('destroyed', dispose)
  return dispose
}
