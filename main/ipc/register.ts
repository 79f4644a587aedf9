import { ipcMain, type WebContents, type WebFrameMain } from 'electron'

import { calls, labError, type CallDef } from '../../contract'
import type { Dispatcher } from '../service/dispatcher'
import type { EventHub } from '../service/event-hub'

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

/** Attaches a window to the event hub: events go out with `webContents.send`. */
export function attachWindow(hub: EventHub, contents: WebContents): () => void {
  return hub.attach({
    sessionId: `ipc-${contents.id}`,
    send: (channel, payload) => {
      if (!contents.isDestroyed()) contents.send(channel, payload)
    },
    sendData: (streamId, seq, data) => {
      if (!contents.isDestroyed()) contents.send('terminals:data', { streamId, seq, data })
    },
  })
}
