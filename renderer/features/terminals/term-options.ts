/**
 * The xterm options every pane shares, in one place so the trace benchmark's standalone floor
 * (test/bench/trace-page.ts) builds its terminal exactly like a pane does.
 */
export const PANE_TERMINAL_OPTIONS = {
  /** Lines kept above the viewport. */
  scrollback: 20_000,
  fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
  /** CSS pixels. */
  fontSize: 12,
} as const
