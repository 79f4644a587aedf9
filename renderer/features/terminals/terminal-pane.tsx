import { useEffect, useRef, useState, type RefObject } from 'react'

import type { TerminalKind } from '../../../contract/terminals'
import type { Theme } from '../../ui/theme'

import { mountTerminal, TERM_THEMES, type TerminalSession } from './terminal-session'

/** Props of `TerminalPane`. */
export interface TerminalPaneProps {
  hostId: string
  kind: TerminalKind
  label: string
  theme: Theme
  visible: boolean
}

/**
 * One xterm pane bound to one terminal stream. The session (terminal-session.ts) is created
 * and disposed in one effect; bytes never pass through React state, only the status line does.
 */
export function TerminalPane({ hostId, kind, label, theme, visible }: TerminalPaneProps) {
  const host = useRef<HTMLDivElement>(null)
  const session = useRef<TerminalSession | null>(null)
  const [status, setStatus] = useState('opening')
  const initialTheme = useRef(theme)

  useEffect(() => {
    if (!host.current) return
    const s = mountTerminal(host.current, {
      hostId,
      kind,
      label,
      theme: initialTheme.current,
      onStatus: setStatus,
    })
    session.current = s
    return () => {
      s.dispose()
      session.current = null
    }
  }, [hostId, kind, label])
  useEffect(() => {
    if (session.current) session.current.term.options.theme = TERM_THEMES[theme]
  }, [theme])
  useEffect(() => {
    if (visible) session.current?.fit()
  }, [visible])

  return (
    <div className="term-pane">
      <TermToolbar label={label} status={status} session={session} />
      <div className="term-host" ref={host} aria-label={`${label} output`} role="log" />
    </div>
  )
}

function TermToolbar({
  label,
  status,
  session,
}: {
  label: string
  status: string
  session: RefObject<TerminalSession | null>
}) {
  const [query, setQuery] = useState('')
  return (
    <div className="term-toolbar">
      <span
        className={`term-status ${status.startsWith('failed') ? 'bad' : ''}`}
        role="status"
        aria-label={`${label} status`}
      >
        {status}
      </span>
      <input
        type="search"
        aria-label={`Search ${label}`}
        placeholder="Search"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key !== 'Enter') return
          if (e.shiftKey) session.current?.search.findPrevious(query)
          else session.current?.search.findNext(query)
        }}
      />
      <button
        type="button"
        className="small-button"
        aria-label={`Find next in ${label}`}
        onClick={() => session.current?.search.findNext(query)}
      >
        Next
      </button>
      <button
        type="button"
        className="small-button"
        aria-label={`Clear ${label}`}
        onClick={() => session.current?.term.clear()}
      >
        Clear
      </button>
    </div>
  )
}
