import { timingSafeEqual } from 'node:crypto'
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net'
import ssh2 from 'ssh2'
import type { Connection, ServerChannel, Session } from 'ssh2'
import type { SimHost } from '../host'
import { Shell } from '../shell/interp'
import { channelInput, channelSink } from './channel-io'
import { runInteractiveShell } from './pty-shell'

/** Signal names the SSH `signal` request carries (RFC 4254 §6.9) that end a command. */
const killing = new Set(['INT', 'TERM', 'KILL', 'HUP', 'QUIT'])

/**
 * The ssh2 server of one simulated host: public-key auth with the lab's client key, exec and
 * shell channels running the shell interpreter, `env`/`pty-req`/`window-change`/`signal`.
 * A `signal` request or the channel closing aborts the running command.
 */
export class HostServer {
  private listener: NetServer | undefined
  private readonly sockets = new Set<Socket>()
  private readonly clients = new Set<Connection>()
  port = 0

  constructor(
    private readonly host: SimHost,
    private readonly hostKey: string,
    private readonly clientPublicKey: string,
  ) {}

  /** Starts listening on 127.0.0.1 (`port` 0 picks a free one); resolves with the port. */
  async listen(port = 0): Promise<number> {
    const server = new ssh2.Server({ hostKeys: [this.hostKey] }, (client) => this.onClient(client))
    server.on('error', () => undefined)
    // Our own listener so every accepted socket gets Nagle off, as a real sshd does
    // (TCP_NODELAY on interactive sessions); without it each command stalls ~40 ms on delayed
    // ACK (docs/perf.md 2b). ssh2 takes the socket through its public injectSocket().
    const listener = createServer((socket) => {
      this.sockets.add(socket)
      socket.once('close', () => this.sockets.delete(socket))
      socket.setNoDelay(true)
      server.injectSocket(socket)
    })
    this.listener = listener
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject)
      listener.listen(port, '127.0.0.1', () => {
        listener.off('error', reject)
        resolve()
      })
    })
    this.port = (listener.address() as AddressInfo).port
    return this.port
  }

  /** Drops every connection. */
  disconnectAll(): void {
    for (const client of this.clients) client.end()
    this.clients.clear()
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    this.disconnectAll()
    const listener = this.listener
    this.listener = undefined
    // A graceful end can leave a half-open socket (a client reconnecting mid-shutdown) that
    // keeps listener.close() waiting forever; a reboot drops every connection hard.
    for (const socket of this.sockets) socket.destroy()
    this.sockets.clear()
    if (listener) await new Promise<void>((resolve) => listener.close(() => resolve()))
  }

  /** Reboot: close, then listen again on the same port with the same host key. */
  async restart(): Promise<void> {
    const port = this.port
    await this.close()
    await this.listen(port)
  }

  private onClient(client: Connection): void {
    this.clients.add(client)
    const allowed = ssh2.utils.parseKey(this.clientPublicKey)
    client.on('error', () => undefined)
    client.on('close', () => this.clients.delete(client))
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || ctx.username !== 'root' || allowed instanceof Error)
        return ctx.reject(['publickey'])
      const wanted = allowed.getPublicSSH()
      if (
        ctx.key.algo !== allowed.type ||
        ctx.key.data.length !== wanted.length ||
        !timingSafeEqual(ctx.key.data, wanted)
      )
        return ctx.reject(['publickey'])
      if (ctx.signature && ctx.blob && !allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo))
        return ctx.reject(['publickey'])
      ctx.accept()
    })
    client.on('ready', () => client.on('session', (accept) => this.onSession(accept())))
  }

  private onSession(session: Session): void {
    let abort: AbortController | undefined
    let lastSignal: string | undefined
    const env = new Map<string, string>()
    let pty: { cols: number; rows: number; term: string } | undefined
    session.on('env', (accept, _reject, info) => {
      env.set(info.key, info.val)
      accept?.()
    })
    session.on('pty', (accept, _reject, info) => {
      pty = { cols: info.cols, rows: info.rows, term: info.term }
      accept?.()
    })
    session.on('window-change', (accept, _reject, info) => {
      if (pty) Object.assign(pty, { cols: info.cols, rows: info.rows })
      accept?.()
    })
    session.on('signal', (accept, _reject, info) => {
      accept?.()
      if (killing.has(info.name)) {
        lastSignal = info.name
        abort?.abort()
      }
    })
    session.on('exec', (accept, _reject, info) => {
      abort = new AbortController()
      this.runExec(accept(), info.command, env, abort, () => lastSignal)
    })
    session.on('shell', (accept) => {
      const stream = accept()
      runInteractiveShell(this.host, stream, env)
    })
  }

  private runExec(
    stream: ServerChannel,
    command: string,
    env: Map<string, string>,
    abort: AbortController,
    signalName: () => string | undefined,
  ): void {
    this.host.logCommand('exec', command)
    const sys = this.host.system()
    const proc = sys.spawn(command, abort)
    const shell = new Shell(sys, proc.pid, 'bash')
    for (const [k, v] of env) shell.vars.set(k, v)
    stream.on('close', () => abort.abort())
    const io = {
      stdin: channelInput(stream),
      stdout: channelSink(stream, false, abort.signal),
      stderr: channelSink(stream.stderr, false, abort.signal),
    }
    void shell
      .run(command, io, abort.signal)
      .catch(() => 1)
      .then((code) => {
        proc.release()
        if (stream.destroyed) return
        const sig = signalName()
        if (sig && abort.signal.aborted) stream.exit(sig, false, '')
        else stream.exit(code)
        stream.end()
      })
  }
}
