/** Most matches the search addon decorates and counts; more show as `1000+`. */
export const SEARCH_HIGHLIGHT_LIMIT = 1000

/**
 * The match count as a search box shows it, from the search addon's `onDidChangeResults`
 * (`resultIndex` is -1 when the active match lies past the counted ones): `3 of 37`,
 * `1000+ matches`, `No matches`; empty before any search.
 */
export function matchText(r: { resultIndex: number; resultCount: number } | null): string {
  if (!r) return ''
  if (r.resultCount === 0) return 'No matches'
  const capped = r.resultCount >= SEARCH_HIGHLIGHT_LIMIT ? '+' : ''
  if (r.resultIndex < 0) return `${r.resultCount}${capped} matches`
  return `${r.resultIndex + 1} of ${r.resultCount}${capped}`
}
