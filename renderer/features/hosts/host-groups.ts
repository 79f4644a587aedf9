import type { ConnectionState, HostView } from '../../../contract/hosts'

/** Hosts grouped by `config.group` (ungrouped last), filtered by a case-insensitive query. */
export function groupHosts(hosts: HostView[], query: string): [string, HostView[]][] {
  const q = query.trim().toLowerCase()
  const match = (h: HostView) =>
    !q ||
    [h.config.id, h.config.name, h.config.host, h.config.user, h.config.group ?? '']
      .join(' ')
      .toLowerCase()
      .includes(q)
  const groups = new Map<string, HostView[]>()
  for (const h of hosts.filter(match)) {
    const g = h.config.group ?? 'Ungrouped'
    groups.set(g, [...(groups.get(g) ?? []), h])
  }
  return [...groups.entries()].sort(([a], [b]) =>
    a === 'Ungrouped' ? 1 : b === 'Ungrouped' ? -1 : a.localeCompare(b),
  )
}

/** `user@host:port` as errors and headers name a host. */
export function hostLabel(h: HostView): string {
  return `${h.config.user}@${h.config.host}:${h.config.port}`
}

/** A one-line description of a connection state, naming the reason for failures. */
export function connectionText(c: ConnectionState): string {
  switch (c.state) {
    case 'idle':
      return 'not connected'
    case 'connecting':
      return c.attempt > 1 ? `connecting (attempt ${c.attempt})` : 'connecting'
    case 'ready':
      return 'connected'
    case 'reconnecting':
      return `reconnecting in ${Math.round(c.inMs / 1000)} s (attempt ${c.attempt}): ${c.reason}`
    case 'failed':
      return `failed (${c.code}): ${c.reason}`
  }
}

/**
 * The short state for badges (host list, header): no failure reason, which the host view shows
 * once in its alert (issue 18: the same error three times is noise). `connectionText` is the
 * full sentence, for tooltips.
 */
export function connectionBadge(c: ConnectionState): string {
  switch (c.state) {
    case 'reconnecting':
      return `reconnecting in ${Math.round(c.inMs / 1000)} s (attempt ${c.attempt})`
    case 'failed':
      return `failed (${c.code})`
    default:
      return connectionText(c)
  }
}
