import { FLOW } from '../../contract/terminals'
import { LineHighlighter } from '../../main/service/terminal-highlight'
import { bundlePage, launchChromium, xtermCss } from './browser'
import { measured, skipped, type Row } from './report'
import { cpuDelta, describeCpu, sampleCpu, type CpuByRole } from './proc-cpu'
import { errText } from './stats'
import type { TraceParams, TraceResult } from './trace-page'
import { runRealPath } from './trace-real'
import { startTraceSocket } from './trace-ws'

/**
 * Section 6, trace streaming (issue 8 §Benchmark, issue 10 §6). The real path (labsim
 * trace_pipe → SSH → main → WebSocket → the console's "Firmware trace" pane) is trace-real.ts.
 * The floor is xterm.js ingesting the same bytes standalone in headless Chromium with the
 * console's ack window (contract/terminals.ts FLOW), trace-page.ts: numbered 120-byte trace
 * lines wrapped in the highlight main gives `mlx5_fw` lines, into a terminal with the pane's
 * options at the pane's size (read from the real run, which therefore goes first). A second,
 * informational standalone run keeps docs/perf.md's setup (plain lines, 160x40, xterm's defaults).
 * Goals: ≥0.8x the floor's MB/s, longest frame gap ≤50 ms, 0 lines lost.
 */

const SECTION = '6 trace'

/** Runs the real path, then the standalone floor with its size and bytes (`mb` MB each). */
export async function benchTrace(mb: number): Promise<Row[]> {
  let real: Awaited<ReturnType<typeof runRealPath>>
  try {
    real = await runRealPath(mb)
  } catch (err) {
    return [skipped(SECTION, 'real path', errText(err))]
  }
  const { prefix, suffix } = fwHighlight()
  let floor: Awaited<ReturnType<typeof runStandalone>>
  try {
    floor = await runStandalone(mb, {
      cols: real.cols,
      rows: real.rows,
      paneOptions: true,
      linePrefix: prefix,
      lineSuffix: suffix,
    })
  } catch (err) {
    return [skipped(SECTION, 'standalone xterm', errText(err))]
  }
  const viaSocket = await runStandalone(mb, {
    cols: real.cols,
    rows: real.rows,
    paneOptions: true,
    linePrefix: prefix,
    lineSuffix: suffix,
    socket: true,
    // Main's coalescer sends at most 256 KiB per message; a flooded pane gets about that.
    chunkBytes: 256 * 1024,
  }).catch((err: unknown) => errText(err))
  const plain = await runStandalone(mb, {
    cols: 160,
    rows: 40,
    paneOptions: false,
    linePrefix: '',
    lineSuffix: '',
  }).catch((err: unknown) => errText(err))
  const size = `${real.cols}x${real.rows}`
  return [
    ...floorRows(floor, mb, size),
    ...realRows(real, floor, mb),
    typeof viaSocket === 'string'
      ? skipped(SECTION, 'standalone, fed over WebSocket', viaSocket)
      : measured(
          SECTION,
          'standalone, fed over WebSocket',
          rates(viaSocket).mbps,
          'MB/s',
          { value: rates(floor).mbps, label: 'the floor above' },
          null,
          `the floor's bytes from a loopback WebSocket in 256 KiB messages (trace-ws.ts), no SSH or console; the real path reached ${(rates(real).mbps / rates(viaSocket).mbps).toFixed(2)}x of this; ${describeCpu(viaSocket.cpu)}; ${describe(viaSocket, mb)}`,
        ),
    typeof plain === 'string'
      ? skipped(SECTION, 'standalone, docs/perf.md setup', plain)
      : measured(
          SECTION,
          'standalone, docs/perf.md setup',
          rates(plain).mbps,
          'MB/s',
          { value: rates(floor).mbps, label: 'the floor above' },
          null,
          `plain lines, 160x40, xterm defaults; ${describe(plain, mb)}`,
        ),
  ]
}

function floorRows(floor: TraceResult, mb: number, size: string): Row[] {
  const f = rates(floor)
  return [
    measured(
      SECTION,
      'standalone xterm (floor)',
      f.mbps,
      'MB/s',
      { value: f.mbps, label: 'itself' },
      null,
      `same bytes (highlighted), pane options at the pane's ${size}; ${describe(floor, mb)}`,
    ),
  ]
}

function realRows(
  real: TraceResult & { cpu: CpuByRole },
  floor: TraceResult & { cpu: CpuByRole },
  mb: number,
): Row[] {
  const r = rates(real)
  const f = rates(floor)
  const tput = { on: 'ratio', op: '>=', target: 0.8 } as const
  const label = 'standalone xterm'
  return [
    measured(
      SECTION,
      'real path MB/s',
      r.mbps,
      'MB/s',
      { value: f.mbps, label: 'standalone xterm, same run' },
      tput,
      describe(real, mb),
    ),
    measured(SECTION, 'real path lines/s', r.lps, 'lines/s', { value: f.lps, label }, tput),
    measured(
      SECTION,
      'real path longest frame gap',
      real.longestGapMs,
      'ms',
      { value: floor.longestGapMs, label },
      { on: 'value', op: '<=', target: 50 },
    ),
    measured(
      SECTION,
      'real path lines lost',
      real.lost,
      'lines',
      { value: floor.lost, label },
      { on: 'value', op: '<=', target: 0 },
    ),
    measured(
      SECTION,
      'real path CPU per MB',
      cpuPerMB(real),
      'ms/MB',
      { value: cpuPerMB(floor), label: `standalone xterm; ${describeCpu(floor.cpu)}` },
      null,
      `all processes on this machine (labsim stands in for the remote host); ${describeCpu(real.cpu)}`,
    ),
  ]
}

/** CPU ms of every process of the run per MB delivered. */
function cpuPerMB(t: TraceResult & { cpu: CpuByRole }): number {
  const total = Object.values(t.cpu).reduce((a, b) => a + b, 0)
  return total / (t.bytes / 1e6)
}

/** The bytes main's highlighter puts around an `mlx5_fw` line (no drill running). */
function fwHighlight(): { prefix: string; suffix: string } {
  const text = ' kworker/u8:2-1 [001] d..1. 1.000000: mlx5_fw: seq=1 x'
  const out = Buffer.from(new LineHighlighter(() => null, false).push(Buffer.from(`${text}\n`)))
  const s = out.toString('latin1')
  const at = s.indexOf(text)
  if (at < 0) throw new Error('bench: the highlighter changed the line text itself')
  return { prefix: s.slice(0, at), suffix: s.slice(at + text.length, -1) }
}

function rates(t: TraceResult): { mbps: number; lps: number } {
  const s = t.ms / 1000
  return { mbps: t.bytes / 1e6 / s, lps: t.lines / s }
}

function describe(t: TraceResult, mb: number): string {
  const messages = t.messages
    ? `, ${t.messages} messages of ${(t.bytes / t.messages / 1024).toFixed(0)} KiB avg`
    : ''
  return `${mb} MB, ${Math.round(rates(t).lps)} lines/s, gap max ${t.longestGapMs.toFixed(0)} p95 ${t.p95GapMs.toFixed(1)} ms, lost ${t.lost}${messages}`
}

type Look = Pick<TraceParams, 'cols' | 'rows' | 'paneOptions' | 'linePrefix' | 'lineSuffix'> &
  Partial<Pick<TraceParams, 'chunkBytes'>> & {
    /** Feed the page over a loopback WebSocket (trace-ws.ts) instead of its Worker. */
    readonly socket?: boolean
  }

/** Size, chunking and ack window of a standalone run of `mb` MB (contract/terminals.ts FLOW). */
function windowOf(mb: number) {
  return {
    totalBytes: Math.round(mb * 1e6),
    chunkBytes: 64 * 1024,
    ackBytes: FLOW.ackBytes,
    highWatermark: FLOW.highWatermark,
    lowWatermark: FLOW.lowWatermark,
  }
}

async function runStandalone(mb: number, look: Look): Promise<TraceResult & { cpu: CpuByRole }> {
  const browser = await launchChromium()
  let socket: Awaited<ReturnType<typeof startTraceSocket>> | null = null
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
    const [script, css] = await Promise.all([bundlePage('./trace-page.ts'), xtermCss()])
    await page.setContent(
      `<!doctype html><html><head><style>${css}</style></head><body></body></html>`,
    )
    await page.addScriptTag({ content: script })
    const { socket: viaSocket, ...shape } = look
    socket = viaSocket ? await startTraceSocket({ ...windowOf(mb), ...shape }) : null
    const params: TraceParams = {
      ...windowOf(mb),
      ...shape,
      ...(socket ? { socketUrl: socket.url } : {}),
    }
    const before = await sampleCpu()
    const result = await page.evaluate(
      (p) =>
        (window as unknown as { __traceBench(p: TraceParams): Promise<TraceResult> }).__traceBench(
          p,
        ),
      params,
    )
    return { ...result, cpu: cpuDelta(before, await sampleCpu()) }
  } finally {
    await browser.close()
    await socket?.close()
  }
}
