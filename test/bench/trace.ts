import { FLOW } from '../../contract/terminals'
import { bundlePage, launchChromium, xtermCss } from './browser'
import { measured, skipped, type Row } from './report'
import { errText } from './stats'
import type { TraceParams, TraceResult } from './trace-page'
import { runRealPath } from './trace-real'

/**
 * Section 6, trace streaming (issue 8 §Benchmark, issue 10 §6). The floor: xterm.js ingesting
 * numbered 120-byte trace lines standalone in headless Chromium with the console's ack window
 * (contract/terminals.ts FLOW), trace-page.ts. The real path (labsim trace_pipe → SSH → main →
 * WebSocket → the console's "Firmware trace" pane) is trace-real.ts. Goals: ≥0.8x standalone MB/s, longest frame gap
 * ≤50 ms, 0 lines lost.
 */

const SECTION = '6 trace'

/** Runs the standalone floor, then the real path (`mb` MB each), and compares them. */
export async function benchTrace(mb: number): Promise<Row[]> {
  let floor: TraceResult
  try {
    floor = await runStandalone(mb)
  } catch (err) {
    return [skipped(SECTION, 'standalone xterm', errText(err))]
  }
  const f = rates(floor)
  const rows: Row[] = [
    measured(
      SECTION,
      'standalone xterm (floor)',
      f.mbps,
      'MB/s',
      { value: f.mbps, label: 'itself' },
      null,
      describe(floor, mb),
    ),
  ]
  let real: TraceResult
  try {
    real = await runRealPath(mb)
  } catch (err) {
    rows.push(skipped(SECTION, 'real path', errText(err)))
    return rows
  }
  const r = rates(real)
  const tput = { on: 'ratio', op: '>=', target: 0.8 } as const
  rows.push(
    measured(
      SECTION,
      'real path MB/s',
      r.mbps,
      'MB/s',
      { value: f.mbps, label: 'standalone xterm, same run' },
      tput,
      describe(real, mb),
    ),
    measured(
      SECTION,
      'real path lines/s',
      r.lps,
      'lines/s',
      { value: f.lps, label: 'standalone xterm' },
      tput,
    ),
    measured(
      SECTION,
      'real path longest frame gap',
      real.longestGapMs,
      'ms',
      { value: floor.longestGapMs, label: 'standalone xterm' },
      { on: 'value', op: '<=', target: 50 },
    ),
    measured(
      SECTION,
      'real path lines lost',
      real.lost,
      'lines',
      { value: floor.lost, label: 'standalone xterm' },
      { on: 'value', op: '<=', target: 0 },
    ),
  )
  return rows
}

function rates(t: TraceResult): { mbps: number; lps: number } {
  const s = t.ms / 1000
  return { mbps: t.bytes / 1e6 / s, lps: t.lines / s }
}

function describe(t: TraceResult, mb: number): string {
  return `${mb} MB, ${Math.round(rates(t).lps)} lines/s, gap max ${t.longestGapMs.toFixed(0)} p95 ${t.p95GapMs.toFixed(1)} ms, lost ${t.lost}`
}

async function runStandalone(mb: number): Promise<TraceResult> {
  const browser = await launchChromium()
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const [script, css] = await Promise.all([bundlePage('./trace-page.ts'), xtermCss()])
    await page.setContent(
      `<!doctype html><html><head><style>${css}</style></head><body></body></html>`,
    )
    await page.addScriptTag({ content: script })
    const params: TraceParams = {
      totalBytes: Math.round(mb * 1e6),
      chunkBytes: 64 * 1024,
      ackBytes: FLOW.ackBytes,
      highWatermark: FLOW.highWatermark,
      lowWatermark: FLOW.lowWatermark,
    }
    return await page.evaluate(
      (p) =>
        (window as unknown as { __traceBench(p: TraceParams): Promise<TraceResult> }).__traceBench(
          p,
        ),
      params,
    )
  } finally {
    await browser.close()
  }
}
