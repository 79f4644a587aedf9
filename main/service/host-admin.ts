import { randomUUID } from 'node:crypto'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import { labError, type HostConfig } from '../../contract'
import type { Handlers } from './dispatcher'
import type { EngineBridge } from './engine-bridge'
import type { EventHub } from './event-hub'
import type { HostSessions } from './host-sessions'
import type { Inventory } from './inventory'
import { importSshConfigHosts } from './ssh-import'

/** What the host-management handlers need from the back end. */
export interface HostAdminParts {
  readonly hub: EventHub
  readonly inventory: Inventory
  readonly sessions: HostSessions
  readonly engine: EngineBridge
  /** Where a picked ssh_config's text is written for the parser (the data directory). */
  readonly dataDir: string
}

/** Fields whose change makes a live connection out of date. */
const CONNECTION_FIELDS = ['host', 'port', 'user', 'identityFile', 'proxyJump', 'auth'] as const

/** Whether two entries reach the host the same way. */
export function sameConnection(a: HostConfig, b: HostConfig): boolean {
  return CONNECTION_FIELDS.every((f) => (a[f] ?? null) === (b[f] ?? null))
}

type HostHandlers = Handlers['hosts']

/**
 * Handlers of contract/host-admin.ts (edit, duplicate, ssh_config text import) and of
 * `hosts:remove`, which also stops the host's watcher now.
 */
export function hostAdminHandlers(
  p: HostAdminParts,
): Pick<HostHandlers, 'update' | 'duplicate' | 'importSshConfigText' | 'remove'> {
  const changed = (): void => p.hub.emit('hostsChanged', p.sessions.views())
  const drop = (hostId: string): void => {
    p.engine.unwatch(hostId)
    p.sessions.disconnect(hostId)
  }
  return {
    update: async ({ hostId, config }) => {
      if (config.id !== hostId) {
        throw labError('invalid-request', `host ids cannot change (${hostId} → ${config.id})`)
      }
      const before = p.inventory.get(hostId)
      // labsim announces its hosts: where they listen and how they are reached stay its own.
      const next: HostConfig = before.simulated
        ? { ...config, host: before.host, port: before.port, user: before.user, simulated: true }
        : { ...config, simulated: false }
      if (!sameConnection(before, next)) drop(hostId)
      await p.inventory.put(next)
      changed()
      return p.sessions.view(hostId)
    },
    duplicate: async ({ hostId, newId, name }) => {
      const source = p.inventory.get(hostId)
      const id = newId ?? p.inventory.copyId(hostId)
      if (p.inventory.has(id))
        throw labError('invalid-request', `a host with id ${id} already exists`)
      await p.inventory.put({ ...source, id, name: name ?? `${source.name} (copy)` })
      changed()
      return p.sessions.view(id)
    },
    importSshConfigText: async ({ text }) => {
      const file = join(p.dataDir, `ssh_config-import-${randomUUID().slice(0, 8)}`)
      await writeFile(file, text, { mode: 0o600 })
      try {
        return await importSshConfigHosts(file)
      } finally {
        await rm(file, { force: true })
      }
    },
    remove: async ({ hostId }) => {
      p.inventory.get(hostId)
      drop(hostId)
      await p.inventory.remove(hostId)
      changed()
      return { ok: true as const }
    },
  }
}
