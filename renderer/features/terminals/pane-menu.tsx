import { useEffect, useRef, useState } from 'react'

import type { HostView } from '../../../contract/hosts'

import { PANE_KINDS, type PaneKind } from './workspace-model'

/**
 * The New tab / Split menu: a host (every inventory host; streams need it connected, session
 * logs do not) and the kind of pane to open on it. Escape or a click outside closes it.
 */
export function PaneMenu({
  title,
  hosts,
  defaultHost,
  onPick,
  onClose,
}: {
  title: string
  hosts: HostView[]
  defaultHost: string | null
  onPick: (hostId: string, kind: PaneKind) => void
  onClose: () => void
}) {
  const ref = useRef<HTMLDivElement>(null)
  const [hostId, setHostId] = useState(
    defaultHost && hosts.some((h) => h.config.id === defaultHost)
      ? defaultHost
      : (hosts.find((h) => h.connection.state === 'ready')?.config.id ?? hosts[0]?.config.id ?? ''),
  )
  const host = hosts.find((h) => h.config.id === hostId)
  const ready = host?.connection.state === 'ready'
  const close = useRef(onClose)
  useEffect(() => {
    close.current = onClose
  })
  useEffect(() => {
    ref.current?.querySelector('select')?.focus()
    const outside = (e: PointerEvent) => {
      if (!ref.current?.contains(e.target as Node)) close.current()
    }
    document.addEventListener('pointerdown', outside, true)
    return () => document.removeEventListener('pointerdown', outside, true)
  }, [])
  return (
    <div
      ref={ref}
      className="ws-menu"
      role="dialog"
      aria-label={title}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose()
      }}
    >
      <select aria-label="Host" value={hostId} onChange={(e) => setHostId(e.target.value)}>
        {hosts.map((h) => (
          <option key={h.config.id} value={h.config.id}>
            {h.config.name}
            {h.connection.state === 'ready' ? '' : ` (${h.connection.state})`}
          </option>
        ))}
      </select>
      <div className="ws-menu-kinds">
        {PANE_KINDS.map(({ kind, label }) => {
          const needsLink = kind !== 'logs' && !ready
          return (
            <button
              key={kind}
              type="button"
              disabled={!host || needsLink}
              title={needsLink ? `${host?.config.name ?? 'The host'} is not connected` : undefined}
              onClick={() => onPick(hostId, kind)}
            >
              {label}
            </button>
          )
        })}
      </div>
    </div>
  )
}
