import './csp-nonce'
import './csp-style-attr'
import './api/zod-jitless'

import { QueryClientProvider } from '@tanstack/react-query'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import '@xterm/xterm/css/xterm.css'
import './ui/styles.css'

import { createQueryClient } from './api/keys'
import { installLab } from './api/lab'
import { SocketProvider } from './api/socket-context'
import { createTransport } from './api/transport'
import { App } from './app'

/** Renderer entry: picks the transport, installs it, and mounts the console. */
function main(): void {
  const transport = createTransport()
  installLab(transport.api)
  const root = document.getElementById('root')
  if (!root) throw new Error('#root missing from index.html')
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={createQueryClient()}>
        <SocketProvider
          current={transport.state}
          onState={transport.onState}
          retryNow={transport.retryNow}
        >
          <App
            transportKind={transport.kind}
            socketState={transport.state}
            onSocketState={transport.onState}
            {...(transport.logout ? { logout: transport.logout } : {})}
          />
        </SocketProvider>
      </QueryClientProvider>
    </StrictMode>,
  )
}

main()
