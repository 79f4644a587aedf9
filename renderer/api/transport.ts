import type { LabApi } from '../../contract/api'

import { forgetSessionSecret, logoutRequest, sessionSecret } from './session'
import { acceptTerminalPort } from './terminal-port'
import { createWsClient, type SocketState, type WsClient } from './ws-client'

declare global {
  interface Window {
    /** Exposed by the Electron preload; absent in browser mode. */
    lab?: LabApi
  }
}

/** The back end as the renderer sees it: the api, and the connection to it. */
export interface Transport {
  api: LabApi
  kind: 'electron' | 'websocket'
  state(): SocketState
  onState(listener: (state: SocketState) => void): () => void
  /** Ends the socket's reconnect backoff (browser mode); nothing to do in Electron. */
  retryNow(): void
  /** Browser mode: ends the session on the server; resolves with an error text or null. */
  logout?: () => Promise<string | null>
}

/** `ws://` or `wss://` URL of the same-origin `/ws` endpoint for a page location. */
export function socketUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`
}

/**
 * Returns the transport: `window.lab` when the Electron preload (or a test harness) exposes it,
 * listening then for the terminal port (terminal-port.ts); otherwise a WebSocket client to
 * `/ws` on the page's origin. The server authenticates the page by its HttpOnly session cookie
 * and the session secret the page sends first (session.ts), which no cookie carries.
 */
export function createTransport(): Transport {
  const lab = window.lab
  if (lab) {
    // Electron: the preload hands over the terminal port once the page has loaded.
    acceptTerminalPort()
    const open: SocketState = { state: 'open' }
    return {
      api: lab,
      kind: 'electron',
      state: () => open,
      onState: () => () => {},
      retryNow: () => {},
    }
  }
  const secret = sessionSecret()
  const client: WsClient = createWsClient({ url: socketUrl(window.location), secret: () => secret })
  const logout = async (): Promise<string | null> => {
    const refused = await logoutRequest(secret)
    forgetSessionSecret()
    client.close('logged out')
    return refused
  }
  return {
    api: client.api,
    kind: 'websocket',
    state: client.state,
    onState: client.onState,
    retryNow: client.retryNow,
    logout,
  }
}
