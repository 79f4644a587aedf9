import { useQuery } from '@tanstack/react-query'
import { useState, type RefObject } from 'react'

import { hostsOptions } from '../../api/keys'
import { Badge, connectionTone } from '../../ui/badge'
import { ErrorText } from '../../ui/error-text'

import { AddHostDialog } from './add-host-form'
import { connectionText, groupHosts, hostLabel } from './host-groups'

/** Props of `HostList`. */
export interface HostListProps {
  selected: string | null
  onSelect: (hostId: string) => void
  searchRef: RefObject<HTMLInputElement | null>
}

/** The inventory sidebar: search, groups, connection state per host, add and import. */
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
              <li key={h.config.id}>
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
                  <span className="mono small">{hostLabel(h)}</span>
                  <Badge tone={connectionTone(h.connection.state)}>
                    {connectionText(h.connection)}
                  </Badge>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
      {adding && <AddHostDialog onClose={() => setAdding(false)} />}
    </nav>
  )
}
