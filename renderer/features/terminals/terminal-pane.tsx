import { useEffect, useRef, useState } from 'react'

import type { TerminalKind } from '../../../contract/terminals'
import type { LineCounts } from '../../api/terminal-stream'
import type { Theme } from '../../ui/theme'

import type { DrillLink } from './drill-link'
import { RENDERER_OVERRIDE_KEY, rendererLabel, type RendererChoice } from './gpu-renderer'
import { TerminalSearch } from './terminal-search'
import { mountTerminal, TERM_THEMES, type TerminalSession } from './terminal-session'

/** Props of `TerminalPane`. */
export interface TerminalPaneProps {
  hostId: string
  kind: TerminalKind
  /** The pane's name (`sim-a Shell 2`): labels its output, status, search and buttons. */
  name: string
  /** See `MountOptions.scrollbackKey`. */
  scrollbackKey: string
  theme: Theme
  visible: boolean
  /** A highlighted line was clicked (see drill-link.ts). */
  onDrillLink?: (link: DrillLink) => void
}

/**
 * One xterm pane bound to one terminal stream, open while mounted. The session
 * (terminal-session.ts) is created and disposed in one effect; bytes never pass through React
 * state, only the status line and counts do.
 */
export function TerminalPane(props: TerminalPaneProps) {
  const { hostId, kind, name, scrollbackKey, theme, visible } = props
  const host = useRef<HTMLDivElement>(null)
  const [session, setSession] = useState<TerminalSession | null>(null)
  const [status, setStatus] = useState('opening')
  const [counts, setCounts] = useState<LineCounts | null>(null)
  const [renderer, setRenderer] = useState<RendererChoice | null>(null)
  const initialTheme = useRef(theme)
  const onLink = useRef(props.onDrillLink)
  useEffect(() => {
    onLink.current = props.onDrillLink
  })

  useEffect(() => {
    if (!host.current) return
    const s = mountTerminal(host.current, {
      hostId,
      kind,
      label: name,
      scrollbackKey,
      theme: initialTheme.current,
      onStatus: setStatus,
      onCounts: setCounts,
      onDrillLink: (link) => onLink.current?.(link),
      onRenderer: setRenderer,
    })
    setSession(s)
    return () => {
      setSession(null)
      s.dispose()
    }
  }, [hostId, kind, name, scrollbackKey])
  useEffect(() => {
    if (session) session.term.options.theme = TERM_THEMES[theme]
  }, [session, theme])
  useEffect(() => {
    if (visible) session?.fit()
  }, [session, visible])

  return (
    <div className="term-pane">
      <div className="term-toolbar">
        <span
          className={`term-status ${status.startsWith('failed') ? 'bad' : ''}`}
          role="status"
          aria-label={`${name} status`}
          title={status}
        >
          {status}
        </span>
        <LineCountBadge label={name} counts={counts} />
        <RendererBadge label={name} choice={renderer} />
        <TerminalSearch label={name} search={session?.search ?? null} theme={theme} />
        <button
          type="button"
          className="small-button"
          aria-label={`Clear ${name}`}
          onClick={() => session?.term.clear()}
        >
          Clear
        </button>
      </div>
      <div className="term-host" ref={host} aria-label={`${name} output`} role="log" />
    </div>
  )
}

/**
 * Main's two line counts: lines it sent and lines this pane reported written into xterm. They
 * differ while bytes are in flight; a difference that stays after the stream went quiet is loss.
 */
function LineCountBadge({ label, counts }: { label: string; counts: LineCounts | null }) {
  if (!counts) return null
  const behind = counts.sent - counts.acked
  return (
    <span
      className={`term-counts mono small ${behind > 0 ? 'muted' : ''}`}
      aria-label={`${label} line counts`}
      title="Lines main sent / lines written into this pane (counted at both ends; equal when nothing was lost)"
    >
      {counts.sent.toLocaleString('en-US')} sent · {counts.acked.toLocaleString('en-US')} shown
      {behind > 0 ? ` (${behind.toLocaleString('en-US')} in flight)` : ''}
    </span>
  )
}

/**
 * The xterm renderer this pane uses and why ("DOM · SwiftShader (software)"); the title adds
 * the GPU string detection read and the localStorage override.
 */
function RendererBadge({ label, choice }: { label: string; choice: RendererChoice | null }) {
  if (!choice) return null
  const gpu = choice.gpu === undefined ? '' : `GPU: ${choice.gpu ?? 'no WebGL context'}. `
  return (
    <span
      className="term-renderer mono small muted"
      aria-label={`${label} renderer`}
      title={`xterm renderer: ${rendererLabel(choice)}. ${gpu}Override: localStorage['${RENDERER_OVERRIDE_KEY}'] = 'dom' | 'webgl' | 'auto', then reopen the pane.`}
    >
      {rendererLabel(choice)}
    </span>
  )
}
