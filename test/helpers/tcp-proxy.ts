import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net'

/**
 * A loopback TCP forwarder the tests can cut and restore: `stop()` closes the listener and
 * destroys every forwarded connection (what a pulled cable looks like to the SSH client: the
 * session drops and reconnects are refused), `start()` listens again on the same port.
 */
export interface TcpProxy {
  /** The port on 127.0.0.1 that forwards to the target. */
  readonly port: number
  /** Stops listening and drops every forwarded connection. */
  stop(): Promise<void>
  /** Listens again on the same port. */
  start(): Promise<void>
}

/** Starts a forwarder from a free port on 127.0.0.1 to `127.0.0.1:targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let server: Server | null = null
  let port = 0
  const listen = async (): Promise<void> => {
    const s = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1')
      for (const sock of [client, upstream]) {
        sockets.add(sock)
        sock.once('close', () => sockets.delete(sock))
        sock.on('error', () => {
          client.destroy()
          upstream.destroy()
        })
      }
      client.pipe(upstream)
      upstream.pipe(client)
    })
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject)
      s.listen(port, '127.0.0.1', () => resolve())
    })
    port = (s.address() as AddressInfo).port
    server = s
  }
  await listen()
  return {
    get port() {
      return port
    },
    async stop() {
      const s = server
      server = null
      for (const sock of sockets) sock.destroy()
      sockets.clear()
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
    },
    start: listen,
  }
}
