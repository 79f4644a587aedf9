import type { Readable } from 'node:stream'
import type { Client } from 'ssh2'
import type { LabError } from '../../contract/errors'
import type { ConnectionState } from '../../contract/hosts'
import type { CommandRunner, ExecOptions, ExecResult, StreamOptions } from '../host/ports'
import { ChannelLimiter } from './channel-limiter'
import type { ChannelHost } from './channels'
import { runExec } from './channels'
import type { ConnectedChain, ConnectOptions } from './connect-hop'
import { connectChain, hostKeyOf } from './connect-hop'
import { classifySsh2Error, isPermanent, sshError } from './errors'
import type { ResolvedTarget } from './ssh-config'
import type { ShellChannel, ShellOptions } from './streams'
import { openShell, openStream } from './streams'
import { SecretMemo } from './secret-memo'

/** Reconnect schedule: delay = min(maxMs, baseMs·2^(attempt-1)) · (0.8…1.2 jitter). */
export interface ReconnectOptions {
  readonly baseMs?: number
  readonly maxMs?: number
  /** Give up (state `failed`) after this many consecutive failed attempts. Default Infinity. */
  readonly maxAttempts?: number
}

/** Options of `connectHost`. */
export interface ConnectHostOptions extends Omit<ConnectOptions, 'signal'> {
  /** Exec channels in flight (default 4, see docs/perf.md 2c). */
  readonly maxExecChannels?: number
  /** Cap on one exec's stdout + stderr, bytes (default 64 MiB); beyond it `command-failed`. */
  readonly maxOutputBytes?: number
  /** Stream channels in flight (default 4). */
  readonly maxStreamChannels?: number
  /** `false` disables automatic reconnects. */
  readonly reconnect?: ReconnectOptions | false
  /** Aborts the initial connect. */
  readonly signal?: AbortSignal
}

/** Listener of connection state changes. */
export type StateListener = (state: ConnectionState) => void

/**
 * One SSH connection (plus its jump chain) to one host, implementing `CommandRunner`.
 * Reconnects with exponential backoff + jitter after an unexpected close, and stops on auth or
 * host-key failures (state `failed`). `close()` is the only way to dispose it.
 */
export class SshConnection implements CommandRunner, ChannelHost {
  readonly target: string
  readonly execLimiter: ChannelLimiter
  readonly streamLimiter: ChannelLimiter
  readonly maxOutputBytes: number | undefined
  private chain: ConnectedChain | null = null
  /** Fingerprint of the target's host key at the last (re)connect. */
  private lastHostKey: string | undefined
  private current: ConnectionState = { state: 'idle' }
  private readonly listeners = new Set<StateListener>()
  private waiters: Array<{ resolve: (c: Client) => void; reject: (e: unknown) => void }> = []
  private closed = false
  private retryTimer: NodeJS.Timeout | undefined
  private attempt = 0

  private readonly options: ConnectHostOptions
  private readonly memo: SecretMemo | null

  constructor(
    readonly resolved: ResolvedTarget,
    options: ConnectHostOptions,
  ) {
    const prompt = options.auth?.prompt
    this.memo = prompt ? new SecretMemo(prompt) : null
    const auth = {
      keyCache: new Map(),
      ...options.auth,
      ...(this.memo ? { prompt: this.memo.ask } : {}),
    }
    this.options = { ...options, auth }
    this.target = resolved.label
    this.execLimiter = new ChannelLimiter(options.maxExecChannels ?? 4)
    this.maxOutputBytes = options.maxOutputBytes
    this.streamLimiter = new ChannelLimiter(options.maxStreamChannels ?? 4)
  }

  /**
   * SHA256 fingerprint (`SHA256:…`, as OpenSSH prints it) of the target's host key, verified
   * against known_hosts at the last (re)connect; undefined before the first connect.
   */
  get hostKey(): string | undefined {
    return this.lastHostKey
  }

  /** The current state (contract `ConnectionState`). */
  get state(): ConnectionState {
    return this.current
  }

  /** Subscribes to state changes; returns the unsubscribe function. */
  onState(listener: StateListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** First connect. Raises the typed connect error (and moves to `failed`). */
  async open(): Promise<void> {
    this.attempt = 1
    this.setState({ state: 'connecting', attempt: 1 })
    try {
      this.adopt(await connectChain(this.resolved, this.options))
    } catch (err) {
      const e = classifySsh2Error(err, this.target)
      this.fail(e)
      throw e
    }
  }

  /** Waits for a ready client (while reconnecting too). Raises `aborted` or the failure. */
  client(signal: AbortSignal): Promise<Client> {
    if (this.chain && this.current.state === 'ready') return Promise.resolve(this.chain.target)
    if (signal.aborted) return Promise.reject(signal.reason)
    if (this.closed || this.current.state === 'failed') return Promise.reject(this.deadError())
    return new Promise((resolve, reject) => {
      const w = {
        resolve: (c: Client) => {
          signal.removeEventListener('abort', onAbort)
          resolve(c)
        },
        reject: (e: unknown) => {
          signal.removeEventListener('abort', onAbort)
          reject(e)
        },
      }
      const onAbort = (): void => {
        this.waiters = this.waiters.filter((x) => x !== w)
        reject(signal.reason)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.waiters.push(w)
    })
  }

  /** See `CommandRunner.exec`. */
  exec(command: string, options: ExecOptions): Promise<ExecResult> {
    return runExec(this, command, options)
  }

  /** See `CommandRunner.stream`. */
  stream(command: string, options: StreamOptions): Readable {
    return openStream(this, command, options)
  }

  /** Opens an interactive PTY shell (not counted against the exec/stream limits). */
  async shell(
    options: ShellOptions,
    signal: AbortSignal = new AbortController().signal,
  ): Promise<ShellChannel> {
    return openShell(await this.client(signal), this.target, options)
  }

  /**
   * While waiting out a reconnect backoff: tries now instead of at the scheduled time (the
   * console's "Retry now"). Answers false, doing nothing, in any other state.
   */
  retryNow(): boolean {
    if (this.closed || this.current.state !== 'reconnecting') return false
    clearTimeout(this.retryTimer)
    void this.retry()
    return true
  }

  /** Closes the chain, stops reconnecting, rejects waiters. Idempotent. */
  close(): void {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.retryTimer)
    this.endChain()
    this.setState({ state: 'idle' })
    this.flushWaiters(this.deadError())
  }

  private deadError(): LabError {
    if (this.current.state === 'failed') {
      return sshError('ssh-connect', this.target, `connection failed: ${this.current.reason}`)
    }
    return sshError('ssh-connect', this.target, 'connection closed')
  }

  private setState(s: ConnectionState): void {
    this.current = s
    for (const l of this.listeners) {
      try {
        l(s)
      } catch {
        // a listener's bug must not break the connection's state machine
      }
    }
  }

  private adopt(chain: ConnectedChain): void {
    if (this.closed) {
      for (const c of chain.clients) c.end()
      return
    }
    this.chain = chain
    this.lastHostKey = hostKeyOf(chain.target)
    this.attempt = 0
    this.memo?.commit()
    for (const c of chain.clients) {
      c.on('error', (err: Error) => this.onDrop(chain, classifySsh2Error(err, this.target)))
      c.on('close', () =>
        this.onDrop(chain, sshError('ssh-connect', this.target, 'connection closed by peer')),
      )
    }
    this.setState({ state: 'ready', since: new Date().toISOString() })
    const ws = this.waiters
    this.waiters = []
    for (const w of ws) w.resolve(chain.target)
  }

  private endChain(): void {
    const chain = this.chain
    this.chain = null
    if (chain) for (const c of [...chain.clients].reverse()) c.end()
  }

  private onDrop(chain: ConnectedChain, reason: LabError): void {
    if (this.chain !== chain || this.closed) return
    this.endChain()
    this.scheduleRetry(reason)
  }

  private scheduleRetry(reason: LabError): void {
    const r = this.options.reconnect
    if (r === false || isPermanent(reason) || this.attempt >= (r?.maxAttempts ?? Infinity)) {
      this.fail(reason)
      return
    }
    this.attempt++
    const base = r?.baseMs ?? 500
    const inMs = Math.round(
      Math.min(r?.maxMs ?? 30_000, base * 2 ** (this.attempt - 1)) * (0.8 + 0.4 * Math.random()),
    )
    this.setState({ state: 'reconnecting', attempt: this.attempt, inMs, reason: reason.message })
    this.retryTimer = setTimeout(() => void this.retry(), inMs)
  }

  private async retry(): Promise<void> {
    if (this.closed) return
    this.setState({ state: 'connecting', attempt: this.attempt })
    this.memo?.round()
    try {
      const { signal: _initialOnly, ...opts } = this.options
      this.adopt(await connectChain(this.resolved, opts))
    } catch (err) {
      if (!this.closed) this.scheduleRetry(classifySsh2Error(err, this.target))
    }
  }

  private fail(reason: LabError): void {
    this.setState({ state: 'failed', code: reason.code, reason: reason.message })
    this.flushWaiters(reason)
  }

  private flushWaiters(err: unknown): void {
    const ws = this.waiters
    this.waiters = []
    for (const w of ws) w.reject(err)
  }
}

/**
 * Connects to `target` (through its jump chain) and returns a ready `SshConnection`.
 * Raises `ssh-hostkey-unknown|changed|revoked`, `ssh-auth`, `ssh-timeout`, `ssh-connect`,
 * `aborted`. The caller owns the connection and must `close()` it.
 */
export async function connectHost(
  target: ResolvedTarget,
  options: ConnectHostOptions,
): Promise<SshConnection> {
  const conn = new SshConnection(target, options)
  await conn.open()
  return conn
}
