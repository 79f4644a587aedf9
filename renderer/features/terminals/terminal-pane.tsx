import { FitAddon } from '@xterm/addon-fit'
import { SearchAddon } from '@xterm/addon-search'
import { SerializeAddon } from '@xterm/addon-serialize'
import { WebLinksAddon } from '@xterm/addon-web-links'
import { Terminal, type ITheme } from '@xterm/xterm'
import { useEffect, useRef, useState } from 'react'

import type { TerminalKind } from '../../../contract/terminals'
import {
  createAckCounter,
  openTerminalStream,
  type TerminalStream,
} from '../../api/terminal-stream'
import { describeError } from '../../api/unwrap'
import type { Theme } from '../../ui/theme'

/** Serialized scrollback per `<hostId>/<kind>`, restored when a pane is reopened. */
const scrollback = new Map<string, string>()

const themes: Record<Theme, ITheme> = {
  dark: {
    background: '#0f1216',
    foreground: '#d5dae1',
    cursor: '#9fb3c8',
    selectionBackground: '#33475b',
  },
  light: {
    background: '#fbfbfa',
    foreground: '#1d232a',
    cursor: '#38506a',
    selectionBackground: '#c9d8e8',
  },
}

/** Props of `TerminalPane`. */
export interface TerminalPaneProps {
  hostId: string
  kind: TerminalKind
  label: string
  theme: Theme
  visible: boolean
}

/**
 * One xterm pane bound to one terminal stream. The `Terminal` (DOM renderer) and its addons are
 * created and disposed in one effect; bytes from `terminals:data` go straight into
 * `term.write(bytes, callback)` and never through React state; the write callback feeds the
 * ack counter (contract/terminals.ts FLOW). Ctrl-C and input bypass output via
 * `terminals:interrupt` / `terminals:input`.
 */
export function TerminalPane({ hostId, kind, label, theme, visible }: TerminalPaneProps) {
  const host = useRef<HTMLDivElement>(null)
  const termRef = useRef<Terminal | null>(null)
  const fitRef = useRef<FitAddon | null>(null)
  const searchRef = useRef<SearchAddon | null>(null)
  const [status, setStatus] = useState('opening')
  const [query, setQuery] = useState('')
  const initialTheme = useRef(theme)

  useEffect(() => {
    const el = host.current
    if (!el) return
    const key = `${hostId}/${kind}`
    const shell = kind === 'shell'
    const term = new Terminal({
      convertEol: !shell,
      disableStdin: !shell,
      scrollback: 20_000,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
      fontSize: 12,
      theme: themes[initialTheme.current],
    })
    const fit = new FitAddon()
    const search = new SearchAddon()
    const serialize = new SerializeAddon()
    for (const addon of [fit, search, serialize, new WebLinksAddon()]) term.loadAddon(addon)
    term.open(el)
    termRef.current = term
    fitRef.current = fit
    searchRef.current = search
    safeFit(fit)
    const saved = scrollback.get(key)
    if (saved) term.write(saved)
    term.textarea?.setAttribute('aria-label', `${label} terminal input`)

    let stream: (TerminalStream & { dispose(): void }) | null = null
    let disposed = false
    let idle: ReturnType<typeof setTimeout> | undefined
    const counter = createAckCounter((bytes, lines) => stream?.ack(bytes, lines))
    const write = (bytes: Uint8Array) =>
      term.write(bytes, () => {
        counter.consumed(bytes)
        clearTimeout(idle)
        idle = setTimeout(() => counter.flush(), 250)
      })
    term.attachCustomKeyEventHandler((e) => {
      if (e.type === 'keydown' && e.ctrlKey && e.key === 'c' && !term.hasSelection()) {
        stream?.interrupt()
        return false
      }
      return true
    })
    const subs = [
      term.onData((d) => stream?.input(d)),
      term.onResize(({ cols, rows }) => stream?.resize(cols, rows)),
    ]
    openTerminalStream(
      { hostId, kind, cols: term.cols, rows: term.rows },
      {
        data: write,
        status: (state, message) => setStatus(message ? `${state}: ${message}` : state),
      },
    ).then(
      (s) => {
        if (disposed) {
          s.close()
          s.dispose()
          return
        }
        stream = s
        setStatus('open')
      },
      (err: unknown) => {
        if (disposed) return
        setStatus(`failed: ${describeError(err)}`)
        term.write(`\r\n\x1b[31m[replab] ${describeError(err)}\x1b[0m\r\n`)
      },
    )
    const ro = new ResizeObserver(() => safeFit(fit))
    ro.observe(el)
    return () => {
      disposed = true
      ro.disconnect()
      clearTimeout(idle)
      counter.flush()
      scrollback.set(key, serialize.serialize({ scrollback: 5_000 }))
      stream?.close()
      stream?.dispose()
      subs.forEach((s) => s.dispose())
      term.dispose()
      termRef.current = null
    }
  }, [hostId, kind, label])

  useEffect(() => {
    if (termRef.current) termRef.current.options.theme = themes[theme]
  }, [theme])
  useEffect(() => {
    if (visible && fitRef.current) safeFit(fitRef.current)
  }, [visible])

  return (
    <div className="term-pane">
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
            if (e.key === 'Enter') {
              if (e.shiftKey) searchRef.current?.findPrevious(query)
              else searchRef.current?.findNext(query)
            }
          }}
        />
        <button
          type="button"
          className="small-button"
          aria-label={`Find next in ${label}`}
          onClick={() => searchRef.current?.findNext(query)}
        >
          ↓
        </button>
        <button
          type="button"
          className="small-button"
          aria-label={`Clear ${label}`}
          onClick={() => termRef.current?.clear()}
        >
          Clear
        </button>
      </div>
      <div className="term-host" ref={host} aria-label={`${label} output`} role="log" />
    </div>
  )
}

function safeFit(fit: FitAddon): void {
  try {
    if (fit.proposeDimensions()) fit.fit()
  } catch {
    // hidden pane: no dimensions yet; refit when shown
  }
}
