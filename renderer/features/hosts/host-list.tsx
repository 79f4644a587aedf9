import { useQuery } from '@tanstack/react-query'
import { useState, type RefObject } from 'react'

import { hostsOptions } from '../../api/keys'
import { Badge, connectionTone } from '../../ui/badge'
import { ErrorText } from '../../ui/error-text'

import { FleetSummary } from './fleet-summary'
import { HostEditor } from './host-editor'
import { connectionBadge, connectionText, groupHosts, hostLabel } from './host-groups'
import { QuickConnect } from './quick-connect'
import './hosts.css'

/** Props of `HostList`. */
export interface HostListProps {
  selected: string | null
  onSelect: (hostId: string) => void
  searchRef: RefObject<HTMLInputElement | null>
}

/**
 * The inventory sidebar: quick connect, search, groups, and per host its connection state and
 * fleet summary (cards, E-Switch modes, VF counts, unhealthy reporters); add and import.
 */
export function HostList({ selected, onSelect, searchRef }: HostListProps) {
  const hosts = useQuery(hostsOptions())
  const [query, setQuery] = useState('')
  const [adding, setAdding] = useState(false)
  const groups = groupHosts(hosts.data ?? [], query)
  return (
    <nav className="host-list" aria-label="Hosts">
      <div className="host-list-head">
        <h2>Hosts</h2>
        <button type="button" onClick={() => setAdding(true)}>
          Add host…
        </button>
      </div>
      <QuickConnect onSelect={onSelect} />
      <input
        ref={searchRef}
        type="search"
        className="search"
        aria-label="Search hosts"
        aria-keyshortcuts="/"
        placeholder="Search hosts  /"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      {hosts.isPending && <p className="muted">Loading inventory…</p>}
      <ErrorText error={hosts.error} prefix="Inventory" />
      {hosts.data && groups.length === 0 && <p className="muted">No host matches “{query}”.</p>}
      {groups.map(([group, members]) => (
        <section key={group} className="host-group" aria-label={`Group ${group}`}>
          <h3>{group}</h3>
          <ul>
            {members.map((h) => (
              <li key={h.config.id} className="host-entry">
                <button
                  type="button"
                  className="host-item"
                  aria-current={selected === h.config.id ? 'true' : undefined}
                  aria-label={`Host ${h.config.name}`}
                  onClick={() => onSelect(h.config.id)}
                >
                  <span className="host-name">
                    {h.config.name}
                    {h.config.readOnly && <span className="tag">read-only</span>}
                    {h.config.simulated && <span className="tag">sim</span>}
                  </span>
                  <span
                    className="mono small host-target"
                    title={`${hostLabel(h)}${h.config.proxyJump ? ` via ${h.config.proxyJump}` : ''}`}
                  >
                    {hostLabel(h)}
                    {h.config.proxyJump ? ` via ${h.config.proxyJump}` : ''}
                  </span>
                  <Badge
                    tone={connectionTone(h.connection.state)}
                    title={connectionText(h.connection)}
                  >
                    {connectionBadge(h.connection)}
                  </Badge>
                </button>
                <FleetSummary host={h} />
              </li>
            ))}
          </ul>
        </section>
      ))}
      {adding && <HostEditor mode={{ kind: 'add' }} onClose={() => setAdding(false)} />}
    </nav>
  )
}
