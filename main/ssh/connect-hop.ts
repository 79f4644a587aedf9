import { Client } from 'ssh2'
import type { ConnectConfig } from 'ssh2'
import type { Duplex } from 'node:stream'
import type { LabError } from '../../contract/errors'
import type { AuthOptions } from './auth'
import { buildAuthHandler } from './auth'
import { classifySsh2Error, sshError } from './errors'
import type { HostKeyPolicy, KnownHostsConfig } from './host-key-policy'
import { preferredHostKeyAlgorithms, verifyHostKey } from './host-key-policy'
import { fingerprintSha256 } from './known-hosts'
import type { ResolvedHop, ResolvedTarget } from './ssh-config'

/**
 * Opens one authenticated ssh2 client to one hop, optionally over `sock` (a forwarded channel of
 * the previous hop), and whole ProxyJump chains. The host key is verified inside ssh2's
 * `hostVerifier`, i.e. during key exchange, before any authentication method is tried.
 */

/** Everything needed to open a connection besides the target. */
export interface ConnectOptions {
  readonly knownHosts: KnownHostsConfig
  readonly hostKeyPolicy: HostKeyPolicy
  readonly auth?: AuthOptions
  /** Overrides the hop's keepalive interval, ms (0 = off). */
  readonly keepaliveIntervalMs?: number
  readonly keepaliveCountMax?: number
  /** Overrides the hop's ConnectTimeout, ms. */
  readonly readyTimeoutMs?: number
  /** Aborts connecting (raises `aborted`). */
  readonly signal?: AbortSignal
}

/** The SHA256 fingerprint of the host key each connected client verified (see `hostKeyOf`). */
const verifiedKeys = new WeakMap<Client, string>()

/**
 * The SHA256 fingerprint (`SHA256:…`, as OpenSSH prints it) of the host key `client` verified
 * during its handshake; undefined for a client `connectHop` did not open.
 */
export function hostKeyOf(client: Client): string | undefined {
  return verifiedKeys.get(client)
}

/**
 * Connects and authenticates to `hop`. Resolves with a ready client whose socket has Nagle
 * disabled. Raises `ssh-hostkey-unknown|changed|revoked`, `ssh-auth`, `ssh-timeout`,
 * `ssh-connect` or `aborted`, every message naming `user@host:port`.
 */
export async function connectHop(
  hop: ResolvedHop,
  options: ConnectOptions,
  sock?: Duplex,
): Promise<Client> {
  let failure: LabError | undefined
  const authHandler = await buildAuthHandler(hop, options.auth ?? {}, (e) => {
    failure ??= classifySsh2Error(e, hop.label)
  })
  const serverHostKey = await preferredHostKeyAlgorithms(hop, options.knownHosts)
  const client = new Client()
  const handshake = new HandshakeTimer(options.readyTimeoutMs ?? hop.readyTimeoutMs, () => {
    failure ??= sshError(
      'ssh-timeout',
      hop.label,
      `timed out after ${options.readyTimeoutMs ?? hop.readyTimeoutMs} ms waiting for the SSH handshake`,
    )
    client.destroy()
  })
  const cfg: ConnectConfig = {
    algorithms: { serverHostKey },
    host: hop.host,
    port: hop.port,
    username: hop.user,
    // ssh2's own timer cannot pause while a person reads a host-key question; ours does.
    readyTimeout: 0,
    keepaliveInterval: options.keepaliveIntervalMs ?? hop.keepaliveIntervalMs,
    keepaliveCountMax: options.keepaliveCountMax ?? hop.keepaliveCountMax,
    authHandler,
    hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
      handshake.pause()
      verifyHostKey(hop, key, options.knownHosts, options.hostKeyPolicy).then(
        () => {
          verifiedKeys.set(client, fingerprintSha256(key))
          if (handshake.resume()) verify(true)
        },
        (err: unknown) => {
          failure ??= classifySsh2Error(err, hop.label)
          // After the connection ended (aborted, closed) ssh2 must not be called back: its
          // protocol object is gone and a late answer would throw in main.
          if (handshake.resume()) verify(false)
        },
      )
    },
    ...(sock ? { sock } : {}),
  }
  return new Promise<Client>((resolve, reject) => {
    const signal = options.signal
    const onAbort = (): void => {
      failure ??= sshError('aborted', hop.label, 'connect aborted')
      client.end()
      client.destroy()
    }
    if (signal?.aborted) return reject(sshError('aborted', hop.label, 'connect aborted'))
    signal?.addEventListener('abort', onAbort, { once: true })
    const settle = (err?: LabError): void => {
      handshake.stop()
      signal?.removeEventListener('abort', onAbort)
      client.removeListener('ready', onReady)
      client.removeListener('error', onError)
      client.removeListener('close', onClose)
      if (err) {
        client.on('error', () => undefined)
        client.end()
        client.destroy() // a half-done handshake must not leave the socket open
        reject(err)
      } else resolve(client)
    }
    const onReady = (): void => settle()
    const onError = (err: Error): void => settle(failure ?? classifySsh2Error(err, hop.label))
    const onClose = (): void =>
      settle(failure ?? sshError('ssh-connect', hop.label, 'connection closed during handshake'))
    client.on('ready', onReady).on('error', onError).on('close', onClose)
    client.connect(cfg)
    handshake.resume()
    if (!sock) client.setNoDelay(true)
  })
}

/**
 * The handshake deadline (ssh_config ConnectTimeout), ms, counted only while no host-key
 * decision is pending. `resume()` answers false once stopped (the connection settled).
 */
class HandshakeTimer {
  private timer: ReturnType<typeof setTimeout> | undefined
  private left: number
  private since = 0
  private stopped = false

  constructor(
    ms: number,
    private readonly onTimeout: () => void,
  ) {
    this.left = ms
  }

  pause(): void {
    if (this.timer === undefined) return
    clearTimeout(this.timer)
    this.timer = undefined
    this.left -= Date.now() - this.since
  }

  resume(): boolean {
    if (this.stopped) return false
    if (this.timer === undefined && this.left > 0) {
      this.since = Date.now()
      this.timer = setTimeout(
        () => {
          this.stopped = true
          this.onTimeout()
        },
        Math.max(1, this.left),
      )
    }
    return true
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
    this.timer = undefined
  }
}

function forward(client: Client, hop: ResolvedHop, via: ResolvedHop): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, hop.host, hop.port, (err, ch) => {
      if (err) {
        reject(
          sshError(
            'ssh-connect',
            hop.label,
            `jump host ${via.label} could not reach ${hop.host}:${hop.port}: ${err.message}`,
            {},
            err,
          ),
        )
      } else resolve(ch)
    })
  })
}

/** A connected chain: `clients[0]` is the first jump, the last one is the target. */
export interface ConnectedChain {
  readonly clients: readonly Client[]
  readonly target: Client
}

/**
 * Connects through every jump of `target` in order (ProxyJump semantics: each hop reached
 * through a `direct-tcpip` channel of the previous one), verifying every hop's host key.
 * On failure already-open hops are closed and the error names the failing hop.
 */
export async function connectChain(
  target: ResolvedTarget,
  options: ConnectOptions,
): Promise<ConnectedChain> {
  const clients: Client[] = []
  try {
    let prev: { client: Client; hop: ResolvedHop } | null = null
    for (const hop of [...target.jumps, target]) {
      const sock: Duplex | undefined = prev ? await forward(prev.client, hop, prev.hop) : undefined
      const client = await connectHop(hop, options, sock)
      clients.push(client)
      prev = { client, hop }
    }
  } catch (err) {
    for (const c of clients.reverse()) c.end()
    throw err
  }
  const last = clients[clients.length - 1]
  if (!last) throw sshError('internal', target.label, 'empty chain')
  return { clients, target: last }
}
