import { assertNever } from '../../../contract'
import { reportOf, type JournalRun } from '../journal'
import { htmlReport } from './html'
import { junitReport } from './junit'
import { reproScript } from './repro'

/** The report formats of a run (contract `drills:export-report`). */
export type ReportFormat = 'json' | 'junit' | 'html' | 'repro'

/** Renders one report format of a run. Pure. */
export function renderReport(run: JournalRun, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(reportOf(run), null, 2)}\n`
    case 'junit':
      return junitReport(run)
    case 'html':
      return htmlReport(run)
    case 'repro':
      return reproScript(run)
    default:
      return assertNever(format, 'report format')
  }
}

/** File name of a report: `<runId>.json`, `.junit.xml`, `.html`, `.repro.sh`. */
export function reportFileName(runId: string, format: ReportFormat): string {
  const ext: Record<ReportFormat, string> = {
    json: 'json',
    junit: 'junit.xml',
    html: 'html',
    repro: 'repro.sh',
  }
  return `${runId}.${ext[format]}`
}
