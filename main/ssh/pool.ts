import type { ConnectHostOptions } from './connection'
import { SshConnection } from './connection'
import type { ResolvedTarget } from './ssh-config'

/**
 * Which connection of a host: `control` for the engine (discovery, operations, drills) and
 * `interactive` for terminals and tails. They are separate TCP connections, so a flooded
 * shell (its window full, its channel paused) cannot delay a drill's commands.
 */
export type ConnectionRole = 'control' | 'interactive'

/**
 * Hands out one connection per (host, role), created on first use and reused after. The pool
 * owns every connection it made: `close(hostId)` / `closeAll()` dispose them.
 */
export class SshPool {
  private readonly conns = new Map<string, Promise<SshConnection>>()
  private readonly chains = new Map<string, string>()

  /** @param options shared connect options (known_hosts, policy, auth prompts). */
  constructor(private readonly options: ConnectHostOptions) {}

  /**
   * The connection for `hostId` in `role`, connecting if needed. Raises the typed connect
   * errors of `connectHost`; a failed connect is forgotten so the next call tries again. When
   * `target` (or its jump chain) differs from the cached connection's, the old one is closed.
   */
  get(
    hostId: string,
    target: ResolvedTarget,
    role: ConnectionRole = 'control',
  ): Promise<SshConnection> {
    const key = `${hostId}\0${role}`
    let p = this.conns.get(key)
    const wanted = [...target.jumps, target].map((h) => h.label).join(',')
    if (p && this.chains.get(key) !== wanted) {
      // the inventory entry changed (address, user, jumps): replace the connection
      this.conns.delete(key)
      void p.then(
        (c) => c.close(),
        () => undefined,
      )
      p = undefined
    }
    this.chains.set(key, wanted)
    if (!p) {
      const conn = new SshConnection(target, this.options)
      p = conn.open().then(() => conn)
      this.conns.set(key, p)
      p.catch(() => {
        if (this.conns.get(key) === p) this.conns.delete(key)
        conn.close()
      })
    }
    return p
  }

  /** Open connections of a host (for state display), by role. */
  async peek(hostId: string): Promise<Partial<Record<ConnectionRole, SshConnection>>> {
    const out: Partial<Record<ConnectionRole, SshConnection>> = {}
    for (const role of ['control', 'interactive'] as const) {
      const p = this.conns.get(`${hostId}\0${role}`)
      if (p) out[role] = await p.catch(() => undefined)
    }
    return out
  }

  /** Closes both connections of a host. */
  async close(hostId: string): Promise<void> {
    for (const role of ['control', 'interactive'] as const) {
      const key = `${hostId}\0${role}`
      const p = this.conns.get(key)
      this.conns.delete(key)
      const c = await p?.catch(() => undefined)
      c?.close()
    }
  }

  /** Closes every connection. */
  async closeAll(): Promise<void> {
    const ids = new Set([...this.conns.keys()].map((k) => k.split('\0')[0] ?? ''))
    for (const id of ids) await this.close(id)
  }
}
