import type { SearchAddon } from '@xterm/addon-search'
import { useEffect, useState } from 'react'

import type { Theme } from '../../ui/theme'

import { matchText } from './search-count'
import { SEARCH_DECORATIONS } from './xterm-parts'

/**
 * Find in a terminal's scrollback: as you type, Enter / Shift+Enter for next / previous,
 * Escape clears. Every match is decorated (the active one stronger) and counted; the count
 * follows new output while a search is open (the addon re-searches 200 ms after writes).
 * `search` is null until the terminal exists.
 */
export function TerminalSearch({
  label,
  search,
  theme,
}: {
  label: string
  search: SearchAddon | null
  theme: Theme
}) {
  const [query, setQuery] = useState('')
  const [result, setResult] = useState<{ resultIndex: number; resultCount: number } | null>(null)
  useEffect(() => {
    if (!search) return
    const sub = search.onDidChangeResults(setResult)
    return () => sub.dispose()
  }, [search])
  const options = { decorations: SEARCH_DECORATIONS[theme] }
  const find = (term: string, back = false, incremental = false) => {
    if (!search) return
    if (!term) {
      search.clearDecorations()
      setResult(null)
      return
    }
    if (back) search.findPrevious(term, options)
    else search.findNext(term, { ...options, incremental })
  }
  return (
    <span className="term-search">
      <input
        type="search"
        aria-label={`Search ${label}`}
        placeholder="Search"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value)
          find(e.target.value, false, true)
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') find(query, e.shiftKey)
          if (e.key === 'Escape') {
            setQuery('')
            find('')
          }
        }}
      />
      <span className="term-matches mono small" role="status" aria-label={`${label} matches`}>
        {matchText(result)}
      </span>
      <button
        type="button"
        className="small-button"
        aria-label={`Previous match in ${label}`}
        title="Previous match (Shift+Enter)"
        disabled={!query}
        onClick={() => find(query, true)}
      >
        ↑
      </button>
      <button
        type="button"
        className="small-button"
        aria-label={`Next match in ${label}`}
        title="Next match (Enter)"
        disabled={!query}
        onClick={() => find(query)}
      >
        ↓
      </button>
    </span>
  )
}
