/** A drill step a highlighted terminal line links to: `step` indexes the report's steps. */
export interface DrillLink {
  readonly runId: string
  readonly step: number
}

const DRILL_URI = /^replab:\/\/drill\/([A-Za-z0-9._%-]{1,128})\/step\/(\d{1,6})$/

/**
 * Parses the OSC 8 link main writes around a highlighted line
 * (main/service/terminal-highlight.ts `drillStepUri`). Anything else, including links a remote
 * program printed itself, answers null: panes act on no other link scheme.
 */
export function parseDrillLink(uri: string): DrillLink | null {
  const m = DRILL_URI.exec(uri)
  if (!m) return null
  try {
    return { runId: decodeURIComponent(m[1]!), step: Number(m[2]) }
  } catch {
    return null
  }
}
