import { FLOW } from '../../contract/terminals'
import { bundlePage, launchChromium, xtermCss } from './browser'
import { measured, skipped, type Row } from './report'
import { errText } from './stats'
import type { TraceParams, TraceResult } from './trace-page'

/**
 * Section 6, trace streaming (issue 8 §Benchmark, issue 10 §6). The floor: xterm.js ingesting
 * numbered 120-byte trace lines standalone in headless Chromium with the console's ack window
 * (contract/terminals.ts FLOW), trace-page.ts. The real path (labsim trace_pipe → SSH → main →
 * WebSocket → the console's trace pane) needs a labsim source that floods trace_pipe; until
 * labsim has one, its rows print "skipped". Goals: ≥0.8x standalone MB/s, longest frame gap
 * ≤50 ms, 0 lines lost.
 */

const SECTION = '6 trace'

/** Runs the standalone floor (`mb` MB) and reports it; the real path is reported as skipped. */
export async function benchTrace(mb: number): Promise<Row[]> {
  let standalone: TraceResult
  try {
    standalone = await runStandalone(mb)
  } catch (err) {
    return [skipped(SECTION, 'standalone xterm', errText(err))]
  }
  const mbps = standalone.bytes / 1e6 / (standalone.ms / 1000)
  const lps = standalone.lines / (standalone.ms / 1000)
  const note = `${mb} MB, p95 gap ${standalone.p95GapMs.toFixed(1)} ms, lost ${standalone.lost}, ${Math.round(lps)} lines/s`
  return [
    measured(
      SECTION,
      'standalone xterm MB/s (floor)',
      mbps,
      'MB/s',
      { value: mbps, label: 'itself' },
      null,
      note,
    ),
    measured(
      SECTION,
      'standalone longest frame gap',
      standalone.longestGapMs,
      'ms',
      { value: null, label: '' },
      { on: 'value', op: '<=', target: 50 },
    ),
    skipped(
      SECTION,
      'real path MB/s, lines/s, gap, lost',
      'labsim has no trace flood source yet (trace_pipe only carries modelled events)',
    ),
  ]
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
