import { FitAddon } from '@xterm/addon-fit'
import { SearchAddon, type ISearchOptions } from '@xterm/addon-search'
import { SerializeAddon } from '@xterm/addon-serialize'
import { WebLinksAddon } from '@xterm/addon-web-links'
import { Terminal, type ITheme } from '@xterm/xterm'

import type { Theme } from '../../ui/theme'

import type { DisposableStore } from './disposable-store'
import { parseDrillLink, type DrillLink } from './drill-link'
import { focusKey } from './focus-mode'
import { applyRenderer, type RendererChoice } from './gpu-renderer'
import { SEARCH_HIGHLIGHT_LIMIT } from './search-count'
import { PANE_TERMINAL_OPTIONS } from './term-options'

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

/**
 * Search-match decorations per theme (`#RRGGBB`, as the search addon requires): every match
 * gets a muted amber background, the active one a strong one and a border.
 */
export const SEARCH_DECORATIONS: Record<Theme, NonNullable<ISearchOptions['decorations']>> = {
  dark: {
    matchBackground: '#4d3f12',
    matchBorder: '#8a6d1c',
    matchOverviewRuler: '#8a6d1c',
    activeMatchBackground: '#9a5b00',
    activeMatchBorder: '#ffb347',
    activeMatchColorOverviewRuler: '#ffb347',
  },
  light: {
    matchBackground: '#ffe9a8',
    matchBorder: '#d9a400',
    matchOverviewRuler: '#d9a400',
    activeMatchBackground: '#ffb547',
    activeMatchBorder: '#b35c00',
    activeMatchColorOverviewRuler: '#b35c00',
  },
}

/** An xterm with its addons, as `createXterm` made it. */
export interface XtermParts {
  readonly term: Terminal
  readonly search: SearchAddon
  readonly serialize: SerializeAddon
  /** Fits the terminal to its element (no-op while hidden). */
  fit(): void
}

/** Options of `createXterm`. */
export interface XtermOptions {
  /** No keyboard input; Tab always moves focus out; `\n` is a new line. */
  readonly readOnly: boolean
  /** The pane's name: the input element is labelled `<label> terminal input`. */
  readonly label: string
  readonly theme: Theme
  readonly scrollback?: number
  /** A drill-step link (OSC 8 from main, terminal-highlight.ts) was clicked. */
  readonly onDrillLink?: (link: DrillLink) => void
  /** The xterm renderer in use and why (gpu-renderer.ts). */
  readonly onRenderer?: (choice: RendererChoice) => void
  /** Sees each key event first; `false` keeps it from xterm (as xterm's own handler). */
  readonly onKey?: (e: KeyboardEvent) => boolean
}

function safeFit(fit: FitAddon): void {
  try {
    if (fit.proposeDimensions()) fit.fit()
  } catch {
    // hidden pane: no dimensions yet; refit when it is shown
  }
}

/**
 * Creates an xterm `Terminal` in `el` with fit, search (with decorations and a match count),
 * serialize and web-links addons, the renderer chosen by gpu-renderer.ts, and the focus keys
 * of focus-mode.ts (Tab leaving the pane; Ctrl+M kept from the shell for the page's shortcut). Everything it creates is added to `store`,
 * which disposes it. Its `<style>` elements pass the CSP through the per-load nonce
 * (renderer/csp-nonce.ts); its cell colours through renderer/csp-style-attr.ts.
 */
export function createXterm(el: HTMLElement, o: XtermOptions, store: DisposableStore): XtermParts {
  const term = store.add(
    new Terminal({
      convertEol: o.readOnly,
      disableStdin: o.readOnly,
      // The search addon's match decorations use xterm's decoration API.
      allowProposedApi: true,
      ...PANE_TERMINAL_OPTIONS,
      ...(o.scrollback ? { scrollback: o.scrollback } : {}),
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
    }),
  )
  const fit = new FitAddon()
  const search = new SearchAddon({ highlightLimit: SEARCH_HIGHLIGHT_LIMIT })
  const serialize = new SerializeAddon()
  for (const addon of [fit, search, serialize, new WebLinksAddon()]) term.loadAddon(addon)
  term.attachCustomKeyEventHandler((e) => {
    const what = focusKey(e, o.readOnly)
    // Ctrl+M is the page's shortcut (app.tsx): the key event goes on to it, but not to the
    // shell as a carriage return.
    if (what === 'toggle') {
      e.preventDefault()
      return false
    }
    if (what === 'leave') return false
    return o.onKey ? o.onKey(e) : true
  })
  term.open(el)
  applyRenderer(term, (choice) => o.onRenderer?.(choice))
  safeFit(fit)
  term.textarea?.setAttribute('aria-label', `${o.label} terminal input`)
  const ro = new ResizeObserver(() => safeFit(fit))
  ro.observe(el)
  store.defer(() => ro.disconnect())
  return { term, search, serialize, fit: () => safeFit(fit) }
}
