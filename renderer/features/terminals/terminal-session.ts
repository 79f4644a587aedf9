import { FitAddon } from '@xterm/addon-fit'
import { SearchAddon } from '@xterm/addon-search'
import { SerializeAddon } from '@xterm/addon-serialize'
import { WebLinksAddon } from '@xterm/addon-web-links'
import { Terminal, type ITheme } from '@xterm/xterm'

import type { TerminalKind } from '../../../contract/terminals'
import {
  createAckCounter,
  openTerminalStream,
  type LineCounts,
  type TerminalStream,
} from '../../api/terminal-stream'
import { describeError } from '../../api/unwrap'
import type { Theme } from '../../ui/theme'

import { parseDrillLink, type DrillLink } from './drill-link'
import { PANE_TERMINAL_OPTIONS } from './term-options'
import { applyRenderer, type RendererChoice } from './gpu-renderer'

/**
 * Largest piece handed to `term.write` at once, in bytes: about 1 ms of parsing on these
 * machines (reference/perf.md: ≈20–40 MB/s ingest), so xterm can yield within its 12 ms budget.
 */
export const WRITE_SLICE_BYTES = 16 * 1024

/** Serialized scrollback per `<hostId>/<kind>`, restored when a pane is reopened. */
const scrollback = new Map<string, string>()

/** xterm colours per console theme. */
export const TERM_THEMES: Record<Theme, ITheme> = {
  dark: {
    background: '#0c0f13',
    foreground: '#d5dae1',
    cursor: '#9fb3c8',
    selectionBackground: '#33475b',
  },
  light: {
    background: '#f4f5f6',
    foreground: '#1d232a',
    cursor: '#38506a',
    selectionBackground: '#c9d8e8',
  },
}

/** A mounted terminal: the xterm, its fit and search addons, and `dispose()` (the only owner). */
export interface TerminalSession {
  term: Terminal
  fit(): void
  search: SearchAddon
  dispose(): void
}

/** Options of `mountTerminal`. `onStatus` gets human-readable stream states. */
export interface MountOptions {
  hostId: string
  kind: TerminalKind
  label: string
  theme: Theme
  onStatus: (text: string) => void
  /** Main's line counts (sent, and written into this xterm), at most once a second. */
  onCounts?: (counts: LineCounts) => void
  /** A highlighted line was clicked: the drill step running when it arrived. */
  onDrillLink?: (link: DrillLink) => void
  /** The xterm renderer in use and why (gpu-renderer.ts); again if WebGL falls back to DOM. */
  onRenderer?: (choice: RendererChoice) => void
}

function safeFit(fit: FitAddon): void {
  try {
    if (fit.proposeDimensions()) fit.fit()
  } catch {
    // hidden pane: no dimensions yet; refit when it is shown
  }
}

/**
 * Creates the xterm with its addons in `el`. Its `<style>` elements pass the CSP through the
 * per-load nonce (renderer/csp-nonce.ts).
 */
function createTerminal(el: HTMLElement, o: MountOptions) {
  const shell = o.kind === 'shell'
  const term = new Terminal({
    convertEol: !shell,
    disableStdin: !shell,
    ...PANE_TERMINAL_OPTIONS,
    theme: TERM_THEMES[o.theme],
    // Only main's drill-step links (OSC 8, terminal-highlight.ts) act; parseDrillLink refuses
    // every other URI, so a remote program's own links do nothing.
    linkHandler: {
      allowNonHttpProtocols: true,
      activate: (_e, uri) => {
        const link = parseDrillLink(uri)
        if (link) o.onDrillLink?.(link)
      },
    },
  })
  const fit = new FitAddon()
  const search = new SearchAddon()
  const serialize = new SerializeAddon()
  for (const addon of [fit, search, serialize, new WebLinksAddon()]) term.loadAddon(addon)
  term.open(el)
  applyRenderer(term, (choice) => o.onRenderer?.(choice))
  safeFit(fit)
  term.textarea?.setAttribute('aria-label', `${o.label} terminal input`)
  return { term, fit, search, serialize }
}

/**
 * Creates an xterm `Terminal` in `el` (DOM renderer; WebGL only on a hardware GPU, see
 * gpu-renderer.ts) with fit, search, web-links and serialize addons, restores the pane's
 * serialized scrollback, opens the stream and wires it: bytes go to `term.write(slice, cb)` in
 * slices of WRITE_SLICE_BYTES; the callback feeds the ack counter, which acks about every
 * FLOW.ackBytes and after 250 ms idle. Ctrl-C (without a selection) is sent as
 * `terminals:interrupt`, keystrokes of the shell as `terminals:input`, size changes as
 * `terminals:resize`. `dispose()` serializes the scrollback, closes the stream and the xterm.
 */
export function mountTerminal(el: HTMLElement, o: MountOptions): TerminalSession {
  const key = `${o.hostId}/${o.kind}`
  const { term, fit, search, serialize } = createTerminal(el, o)
  const saved = scrollback.get(key)
  if (saved) term.write(saved)

  let stream: (TerminalStream & { dispose(): void }) | null = null
  let disposed = false
  let idle: ReturnType<typeof setTimeout> | undefined
  const counter = createAckCounter((bytes, lines) => stream?.ack(bytes, lines))
  const consumed = (bytes: Uint8Array) => {
    counter.consumed(bytes)
    clearTimeout(idle)
    idle = setTimeout(() => counter.flush(), 250)
  }
  // xterm checks its 12 ms parse budget only between writes (WriteBuffer._innerWrite), so a
  // coalesced chunk of up to 256 KB is cut into slices: the page gets a frame between slices.
  const write = (bytes: Uint8Array) => {
    for (let at = 0; at < bytes.length; at += WRITE_SLICE_BYTES) {
      const slice = bytes.subarray(at, at + WRITE_SLICE_BYTES)
      term.write(slice, () => consumed(slice))
    }
  }
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
    { hostId: o.hostId, kind: o.kind, cols: term.cols, rows: term.rows },
    {
      data: write,
      status: (state, msg, counts) => {
        if (counts) o.onCounts?.(counts)
        // A count-only push repeats `open` without a message: keep the log path shown.
        if (state !== 'open' || msg) o.onStatus(msg ? `${state}: ${msg}` : state)
      },
    },
  ).then(
    (s) => {
      if (disposed) {
        s.close()
        s.dispose()
        return
      }
      stream = s
      o.onStatus(s.logPath ? `open · log ${s.logPath}` : 'open')
    },
    (err: unknown) => {
      if (disposed) return
      o.onStatus(`failed: ${describeError(err)}`)
      term.write(`\r\n\x1b[31m[replab] ${describeError(err)}\x1b[0m\r\n`)
    },
  )
  const ro = new ResizeObserver(() => safeFit(fit))
  ro.observe(el)
  return {
    term,
    search,
    fit: () => safeFit(fit),
    dispose() {
      disposed = true
      ro.disconnect()
      clearTimeout(idle)
      counter.flush()
      scrollback.set(key, serialize.serialize({ scrollback: 5_000 }))
      stream?.close()
      stream?.dispose()
      subs.forEach((s) => s.dispose())
      term.dispose()
    },
  }
}
