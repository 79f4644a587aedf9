import { contextBridge, ipcRenderer } from 'electron'

import {
  calls,
  events,
  TERMINAL_PORT_CHANNEL,
  TERMINAL_PORT_TAG,
  type CallDef,
  type EventDef,
  type LabApi,
} from '../contract'

/**
 * Builds `window.lab` from the contract: one function per declared call, one `onX`-style
 * subscription per declared event. The page never passes a channel name, never sees
 * `ipcRenderer` or an `IpcRendererEvent`, and every subscription returns its unsubscribe.
 * Requests are validated again in main (main/ipc), which is the trust boundary.
 */
function buildApi(): LabApi {
  const api: Record<string, Record<string, unknown>> = {}
  for (const [domain, verbs] of Object.entries(calls)) {
    const group: Record<string, unknown> = {}
    for (const [verb, def] of Object.entries(verbs as Record<string, CallDef>)) {
      group[verb] = (request: unknown) => ipcRenderer.invoke(def.channel, request)
    }
    api[domain] = group
  }
  const subscriptions: Record<string, unknown> = {}
  for (const [name, def] of Object.entries(events as Record<string, EventDef>)) {
    subscriptions[name] = (listener: (payload: unknown) => void) => {
      const wrapped = (_event: unknown, payload: unknown): void => listener(payload)
      ipcRenderer.on(def.channel, wrapped)
      return () => {
        ipcRenderer.removeListener(def.channel, wrapped)
      }
    }
  }
  api.events = subscriptions
  return api as unknown as LabApi
}

contextBridge.exposeInMainWorld('lab', buildApi())

// The terminal port (contract/terminal-port.ts): a MessagePort cannot cross contextBridge, so it
// goes to the page's own window by postMessage, the documented way under contextIsolation.
ipcRenderer.on(TERMINAL_PORT_CHANNEL, (event) => {
  window.postMessage(TERMINAL_PORT_TAG, window.location.origin, event.ports)
})
