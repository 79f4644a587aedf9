import { randomUUID } from 'node:crypto'
import { join } from 'node:path'

import {
  labError,
  type ConnectionState,
  type HostConfig,
  type HostKeyPrompt,
  type HostView,
} from '../../contract'
import {
  connectHost,
  defaultUserKnownHosts,
  resolveTarget,
  type HostKeyAnswer,
  type HostKeyPolicy,
  type HostKeyQuestion,
  type HostKeyRefusal,
  type KnownHostsConfig,
  type SshConnection,
} from '../ssh'
import type { EventHub } from './event-hub'
import { applyAuthMethod } from './host-auth'
import type { Inventory } from './inventory'

/** How long a first-use host-key question waits for the user before it counts as a refusal, ms. */
const HOST_KEY_PROMPT_TTL_MS = 120_000

/** The connections of one host: a control connection for the engine, one for interactive panes. */
export interface HostConnections {
  readonly control: SshConnection
  interactive(): Promise<SshConnection>
  /** Ends the reconnect backoff of both connections: they try at once. */
  retryNow(): void
  close(): void
}

/**
 * Owns the SSH connections of every inventory host and publishes their state.
 *
 * Host keys: real hosts are checked against replab's own known_hosts (`<dataDir>/known_hosts`)
 * and `~/.ssh/known_hosts`, and unknown keys go to the UI as a `hostKeyPrompt`. Simulated hosts
 * are pinned to the fingerprint labsim announced, in a known_hosts file of this process only (a
 * new labsim run on a reused port must not look like a changed key).
 */
export class HostSessions {
  private readonly sessions = new Map<string, HostConnections>()
  private readonly states = new Map<string, ConnectionState>()
  private readonly pinned = new Map<string, string>()
  private readonly prompts = new Map<string, (answer: HostKeyAnswer) => void>()
  /** Hosts the user disconnected: nothing reconnects them behind the user's back. */
  private readonly parked = new Set<string>()
  private readonly simKnownHosts: string

  constructor(
    private readonly inventory: Inventory,
    private readonly hub: EventHub,
    private readonly dataDir: string,
  ) {
    this.simKnownHosts = join(dataDir, `sim-known_hosts-${process.pid}-${randomUUID().slice(0, 6)}`)
  }

  /** Pins a simulated host's key fingerprint (`SHA256:…`), as labsim announced it. */
  pin(hostId: string, fingerprint: string): void {
    this.pinned.set(hostId, fingerprint)
  }

  /** The inventory with live connection states. */
  views(): HostView[] {
    return this.inventory
      .list()
      .map((config) => ({ config, connection: this.states.get(config.id) ?? { state: 'idle' } }))
  }

  view(hostId: string): HostView {
    return {
      config: this.inventory.get(hostId),
      connection: this.states.get(hostId) ?? { state: 'idle' },
    }
  }

  /**
   * Connects (or returns the live connections; during a reconnect backoff, retries them now).
   * Raises the typed SSH errors, naming the host.
   */
  async connect(hostId: string, signal?: AbortSignal): Promise<HostConnections> {
    const existing = this.sessions.get(hostId)
    if (existing && existing.control.state.state !== 'failed') {
      existing.retryNow()
      return existing
    }
    existing?.close()
    this.parked.delete(hostId)
    const config = this.inventory.get(hostId)
    const open = async (): Promise<SshConnection> => {
      const { target, auth } = applyAuthMethod(config.auth, await this.resolve(config))
      const conn = await connectHost(target, {
        auth,
        knownHosts: this.knownHosts(config),
        hostKeyPolicy: this.policy(config),
        ...(signal ? { signal } : {}),
      })
      return conn
    }
    this.setState(hostId, { state: 'connecting', attempt: 1 })
    let control: SshConnection
    try {
      control = await open()
    } catch (err) {
      const e = err as { code?: string; message?: string }
      this.setState(hostId, {
        state: 'failed',
        code: e.code ?? 'ssh-connect',
        reason: e.message ?? String(err),
      })
      throw err
    }
    control.onState((s) => this.setState(hostId, s))
    this.setState(hostId, control.state)
    let interactive: Promise<SshConnection> | null = null
    const session: HostConnections = {
      control,
      // A failed open is not cached: the next pane or broadcast tries again.
      interactive: () =>
        (interactive ??= open().catch((err: unknown) => {
          interactive = null
          throw err
        })),
      retryNow: () => {
        control.retryNow()
        void interactive?.then(
          (c) => c.retryNow(),
          () => {},
        )
      },
      close: () => {
        control.close()
        void interactive?.then(
          (c) => c.close(),
          () => {},
        )
      },
    }
    this.sessions.set(hostId, session)
    return session
  }

  /**
   * The live connections; connects first when needed, unless the user disconnected the host
   * (a terminal pane or watcher reconnecting must not undo Disconnect): then `ssh-connect`.
   */
  async get(hostId: string): Promise<HostConnections> {
    const live = this.sessions.get(hostId)
    if (live) return live
    if (this.parked.has(hostId)) {
      throw labError('ssh-connect', `${hostId} was disconnected by the user: connect it first`, {
        host: hostId,
      })
    }
    return this.connect(hostId)
  }

  /** Closes the host's connections and keeps it disconnected until `connect`. */
  disconnect(hostId: string): void {
    this.parked.add(hostId)
    this.sessions.get(hostId)?.close()
    this.sessions.delete(hostId)
    this.setState(hostId, { state: 'idle' })
  }

  /** Answers a pending host-key prompt; unknown ids raise `not-found` (it may have expired). */
  answerHostKey(promptId: string, accept: boolean): void {
    const answer = this.prompts.get(promptId)
    if (!answer) throw labError('not-found', `host-key question ${promptId} is no longer pending`)
    answer(accept ? 'trust' : 'reject')
  }

  closeAll(): void {
    for (const id of [...this.sessions.keys()]) this.disconnect(id)
  }

  private async resolve(config: HostConfig) {
    return resolveTarget(`${config.user}@${config.host}:${config.port}`, {
      configFile: config.simulated ? null : undefined,
      ...(config.identityFile ? { identityFile: config.identityFile } : {}),
      ...(config.proxyJump ? { jump: config.proxyJump } : {}),
    })
  }

  private knownHosts(config: HostConfig): KnownHostsConfig {
    const onRefused = (r: HostKeyRefusal): void => this.refused(config, r)
    return config.simulated
      ? { file: this.simKnownHosts, userFile: null, onRefused }
      : {
          file: join(this.dataDir, 'known_hosts'),
          userFile: defaultUserKnownHosts(),
          onRefused,
        }
  }

  /**
   * A changed or revoked key: the UI shows the refusal (both fingerprints and key types, the
   * known_hosts line) as a `hostKeyPrompt` that can only be closed; the connect fails with
   * `ssh-hostkey-changed|revoked`.
   */
  private refused(config: HostConfig, r: HostKeyRefusal): void {
    const promptId = randomUUID()
    const prompt: HostKeyPrompt = {
      promptId,
      hostId: config.id,
      host: r.host,
      port: r.port,
      hop: r.hop,
      keyType: r.keyType,
      fingerprint: r.fingerprint,
      status: r.status,
      knownLocation: r.location,
      ...(r.knownFingerprint ? { knownFingerprint: r.knownFingerprint } : {}),
      ...(r.knownKeyType ? { knownKeyType: r.knownKeyType } : {}),
    }
    // Closing the dialog answers it: nothing waits, the answer only clears it.
    const timer = setTimeout(() => this.prompts.delete(promptId), HOST_KEY_PROMPT_TTL_MS)
    this.prompts.set(promptId, () => {
      clearTimeout(timer)
      this.prompts.delete(promptId)
    })
    this.hub.emit('hostKeyPrompt', prompt)
  }

  private policy(config: HostConfig): HostKeyPolicy {
    const pinned = this.pinned.get(config.id)
    if (config.simulated && pinned) {
      return async (q: HostKeyQuestion) => (q.fingerprint === pinned ? 'trust' : 'reject')
    }
    return (q) => this.ask(config, q)
  }

  private ask(config: HostConfig, q: HostKeyQuestion): Promise<HostKeyAnswer> {
    const promptId = randomUUID()
    const prompt: HostKeyPrompt = {
      promptId,
      hostId: config.id,
      host: q.host,
      port: q.port,
      hop: q.hop,
      keyType: q.keyType,
      fingerprint: q.fingerprint,
      status: 'unknown',
    }
    return new Promise<HostKeyAnswer>((resolve) => {
      const timer = setTimeout(() => settle('reject'), HOST_KEY_PROMPT_TTL_MS)
      const settle = (answer: HostKeyAnswer): void => {
        clearTimeout(timer)
        this.prompts.delete(promptId)
        resolve(answer)
      }
      this.prompts.set(promptId, settle)
      this.hub.emit('hostKeyPrompt', prompt)
    })
  }

  private setState(hostId: string, state: ConnectionState): void {
    this.states.set(hostId, state)
    this.hub.emit('hostsChanged', this.views())
  }
}
