import { useQuery } from '@tanstack/react-query'
import { useEffect, useRef, useState, type RefObject } from 'react'

import { SESSION_LOG_WINDOW } from '../../../contract/session-logs'
import { sessionLogOptions } from '../../api/session-logs'
import { ErrorText } from '../../ui/error-text'
import type { Theme } from '../../ui/theme'

import { DisposableStore } from './disposable-store'
import { TerminalSearch } from './terminal-search'
import { createXterm, TERM_THEMES, type XtermParts } from './xterm-parts'

const fmt = (n: number) => n.toLocaleString('en-US')

/** A read-only xterm in `el` for as long as the component and `label` live; null before. */
function useViewerXterm(
  el: RefObject<HTMLDivElement | null>,
  label: string,
  theme: Theme,
  visible: boolean,
): XtermParts | null {
  const [xterm, setXterm] = useState<XtermParts | null>(null)
  const initialTheme = useRef(theme)
  useEffect(() => {
    if (!el.current) return
    const store = new DisposableStore()
    const options = { readOnly: true, label, theme: initialTheme.current, scrollback: 200_000 }
    setXterm(createXterm(el.current, options, store))
    return () => {
      setXterm(null)
      store.dispose()
    }
  }, [el, label])
  useEffect(() => {
    if (xterm) xterm.term.options.theme = TERM_THEMES[theme]
  }, [xterm, theme])
  useEffect(() => {
    if (visible) xterm?.fit()
  }, [xterm, visible])
  return xterm
}

/**
 * One session log shown read-only in an xterm (its colours and escape sequences as recorded),
 * a window of at most SESSION_LOG_WINDOW bytes at a time: the tail first, then Earlier / Later.
 * Search counts matches in the window shown.
 */
export function LogViewer({
  hostId,
  file,
  theme,
  visible,
  onBack,
}: {
  hostId: string
  file: string
  theme: Theme
  visible: boolean
  onBack: () => void
}) {
  const [offset, setOffset] = useState<number | null>(null)
  const chunk = useQuery(sessionLogOptions(hostId, file, offset))
  const el = useRef<HTMLDivElement>(null)
  const xterm = useViewerXterm(el, `Log file ${file}`, theme, visible)
  const data = chunk.data
  useEffect(() => {
    if (!xterm || !data) return
    xterm.term.reset()
    xterm.term.write(data.text, () => {
      if (offset !== null) xterm.term.scrollToTop()
    })
  }, [xterm, data, offset])
  return (
    <div className="term-pane">
      <div className="term-toolbar">
        <button type="button" className="small-button" onClick={onBack}>
          Back to the list
        </button>
        <span className="mono small term-file" title={file}>
          {file}
        </span>
        <span className="mono small muted" aria-label="Shown range">
          {data ? `bytes ${fmt(data.offset)}–${fmt(data.end)} of ${fmt(data.size)}` : 'loading…'}
        </span>
        <button
          type="button"
          className="small-button"
          disabled={!data || data.offset === 0}
          onClick={() => data && setOffset(Math.max(0, data.offset - SESSION_LOG_WINDOW))}
        >
          Earlier
        </button>
        <button
          type="button"
          className="small-button"
          disabled={!data || data.end >= data.size}
          onClick={() => data && setOffset(data.end)}
        >
          Later
        </button>
        <TerminalSearch label={file} search={xterm?.search ?? null} theme={theme} />
      </div>
      <ErrorText error={chunk.error} prefix={`Session log ${file}`} />
      <div className="term-host" ref={el} role="log" aria-label={`Log file ${file}`} />
    </div>
  )
}
