import type { DrillProgress } from '../../../contract/drills'

/** What the user is looking at: the host shown, its tab, the drill run open in Drills. */
export interface Viewing {
  hostId: string | null
  tab: string
  runId: string | null
}

/** One in-app notification. */
export interface Notice {
  id: string
  hostId: string
  runId: string
  status: string
  text: string
  at: number
}

/**
 * Whether the end of a drill (`p`, its final progress event) should notify: it ended (not
 * `running`), and the user is not watching that run (another host, another tab, another run, or
 * the page hidden). Pure.
 */
export function shouldNotify(p: DrillProgress, viewing: Viewing, pageHidden: boolean): boolean {
  if (p.status === 'running') return false
  const watching =
    viewing.tab === 'drills' && viewing.hostId === p.hostId && viewing.runId === p.runId
  return pageHidden || !watching
}

/** The notice sentence: `Drill VF reset isolation on sim-b passed: 2 findings`. */
export function noticeText(title: string, p: DrillProgress): string {
  const n = p.findings.length
  return `Drill ${title} on ${p.hostId} ${p.status}${n ? `: ${n} finding${n === 1 ? '' : 's'}` : ''}`
}
