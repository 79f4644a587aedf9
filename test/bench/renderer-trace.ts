/**
 * Attribution for section 7 (issue 19 item 5): `node --import tsx test/bench/renderer-trace.ts
 * [out.json]` opens the built console on the fake lab as renderer.ts does, selects host big-01,
 * records a Chromium trace (CDP Tracing) of `PASSES` scroll passes (240 px per rAF, 240 frames,
 * as the bench) and prints where the renderer's main thread spent them: totals by phase (script,
 * style, layout, paint, gc…) and the top trace events by self time, then each long frame with
 * its phases and how much of it the main thread was actually on a CPU (trace `tdur`): a long
 * frame with little CPU time was descheduled, not busy. A long frame here is more than 20 ms of
 * wall time between consecutive rAF callbacks (any page's, as the trace sees them), which is
 * stricter than the bench: the bench reads the rAF timestamps, the frame's begin time, and the
 * pipeline can absorb a late main frame without moving the next one. Writes
 * the raw trace to out.json (default /tmp/renderer-trace.json) for chrome://tracing or Perfetto.
 * Not part of `npm run bench`, which must not trace; a tool for finding what a slow frame is.
 *
 * Environment: `PASSES` (default 3); `EXTRA_CSS`, CSS added as a constructable stylesheet before
 * tracing (the harness's CSP blocks inline <style>), to try a style change without a rebuild.
 */
import { writeFile } from 'node:fs/promises'

import { openConsole } from '../e2e/harness/console'
import { frames } from './renderer'

const PASSES = Number(process.env.PASSES ?? 3)
const EXTRA_CSS = process.env.EXTRA_CSS ?? ''
const ROWS = 'table[aria-label="Representors"] tbody tr'
const CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.frame',
  'blink',
  'cc',
  'v8',
  'v8.execute',
  'disabled-by-default-v8.gc',
]

/** One trace event as Chromium reports it (times in µs; `tdur` is thread CPU time). */
interface TraceEvent {
  name: string
  ph: string
  ts: number
  dur?: number
  tdur?: number
  pid: number
  tid: number
  args?: Record<string, unknown>
}

/** Main-thread phase of a trace event, by name; unknown names count as `other`. */
function phase(name: string): string {
  if (/GC|Garbage|Sweep|Marking|Evacuat/i.test(name)) return 'gc'
  if (/^(FunctionCall|EventDispatch|FireAnimationFrame|TimerFire|RunMicrotasks|v8\.)/.test(name))
    return 'script'
  if (/recalcStyle|UpdateLayoutTree|updateStyle|rebuildLayoutTree|Style\./.test(name))
    return 'style'
  if (/Layout|ShapeText|SetText/.test(name)) return 'layout'
  if (/Paint|CullRect|CompositingInputs|Layerize/.test(name)) return 'paint'
  if (/[Cc]ommit/.test(name)) return 'commit'
  return 'other'
}

/** Self time (wall and CPU, µs) of each nested complete event of one thread. */
function selfTimes(events: TraceEvent[]): Map<TraceEvent, { wall: number; cpu: number }> {
  const sorted = [...events].sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0))
  const self = new Map<TraceEvent, { wall: number; cpu: number }>()
  const stack: TraceEvent[] = []
  for (const e of sorted) {
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!
      if (top.ts + (top.dur ?? 0) <= e.ts) stack.pop()
      else break
    }
    self.set(e, { wall: e.dur ?? 0, cpu: e.tdur ?? e.dur ?? 0 })
    const parent = stack[stack.length - 1]
    if (parent) {
      const p = self.get(parent)!
      p.wall -= e.dur ?? 0
      p.cpu -= e.tdur ?? e.dur ?? 0
    }
    stack.push(e)
  }
  return self
}

const ms = (us: number): string => (us / 1000).toFixed(1)

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0
}

function report(events: TraceEvent[], gaps: number[]): void {
  const thread = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
  if (!thread) throw new Error('no CrRendererMain thread in the trace')
  const main = events.filter((e) => e.pid === thread.pid && e.tid === thread.tid && e.ph === 'X')
  const self = selfTimes(main)
  const frames = main.filter((e) => e.name === 'FireAnimationFrame').sort((a, b) => a.ts - b.ts)
  const sortedGaps = [...gaps].sort((a, b) => a - b)
  console.log(
    `rAF intervals: n=${gaps.length} p50 ${pct(sortedGaps, 0.5).toFixed(1)} p95 ${pct(sortedGaps, 0.95).toFixed(1)} max ${sortedGaps[sortedGaps.length - 1]?.toFixed(1)} ms`,
  )
  const byPhase = new Map<string, number>()
  const byName = new Map<string, number>()
  for (const [e, t] of self) {
    byPhase.set(phase(e.name), (byPhase.get(phase(e.name)) ?? 0) + t.wall)
    byName.set(e.name, (byName.get(e.name) ?? 0) + t.wall)
  }
  const n = Math.max(1, frames.length - 1)
  console.log(`main thread self time by phase, total ms (per rAF interval, ${n} intervals):`)
  for (const [k, v] of [...byPhase].sort((a, b) => b[1] - a[1]))
    console.log(`  ${k.padEnd(8)} ${ms(v).padStart(8)} (${ms(v / n)})`)
  console.log('top events by self time, ms:')
  for (const [k, v] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`  ${k.padEnd(48)} ${ms(v)}`)
  const kinds = { gc: 0, descheduled: 0, busy: 0 }
  console.log(
    'long frames (> 20 ms between rAF callbacks): wall busy / on CPU, top phases and events (ms)',
  )
  for (let i = 1; i < frames.length; i++) {
    const a = frames[i - 1]!.ts
    const b = frames[i]!.ts
    if ((b - a) / 1000 <= 20) continue
    const phases = new Map<string, number>()
    const names = new Map<string, number>()
    let wall = 0
    let cpu = 0
    for (const [e, t] of self) {
      if (e.ts < a || e.ts >= b) continue
      wall += t.wall
      cpu += t.cpu
      phases.set(phase(e.name), (phases.get(phase(e.name)) ?? 0) + t.wall)
      names.set(e.name, (names.get(e.name) ?? 0) + t.wall)
    }
    const top = (m: Map<string, number>, k: number): string =>
      [...m]
        .sort((x, y) => y[1] - x[1])
        .slice(0, k)
        .map(([name, v]) => `${name} ${ms(v)}`)
        .join(', ')
    const kind =
      (phases.get('gc') ?? 0) > 5000 ? 'gc' : cpu < 0.6 * (b - a) ? 'descheduled' : 'busy'
    kinds[kind]++
    console.log(
      `  #${i} ${ms(b - a)}: ${ms(wall)} / ${ms(cpu)} [${kind}] ${top(phases, 4)} | ${top(names, 3)}`,
    )
  }
  console.log(
    `long frames: ${kinds.gc} with >5 ms GC, ${kinds.descheduled} descheduled (on CPU <60% of the interval), ${kinds.busy} busy`,
  )
}

async function main(): Promise<void> {
  const out = process.argv[2] ?? '/tmp/renderer-trace.json'
  const s = await openConsole({ fake: true, width: 1600, height: 1000 })
  try {
    const page = s.page
    // tsx compiles this file with keepNames: functions sent to the page call __name.
    await page.evaluate('window.__name = (f) => f')
    for (const host of ['lab-01', 'big-01']) {
      await page.getByRole('button', { name: `Host ${host}` }).click()
      await page.getByRole('button', { name: 'Connect' }).click()
      await page.locator(ROWS).first().waitFor({ timeout: 30_000 })
    }
    if (EXTRA_CSS)
      await page.evaluate((css) => {
        const sheet = new CSSStyleSheet()
        sheet.replaceSync(css)
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet]
      }, EXTRA_CSS)
    await frames(page, true) // warm-up
    const cdp = await page.context().newCDPSession(page)
    const events: TraceEvent[] = []
    cdp.on('Tracing.dataCollected', (d) => events.push(...(d.value as unknown as TraceEvent[])))
    const done = new Promise<void>((r) => cdp.once('Tracing.tracingComplete', () => r()))
    await cdp.send('Tracing.start', {
      transferMode: 'ReportEvents',
      traceConfig: { includedCategories: CATEGORIES },
    })
    const gaps: number[] = []
    for (let i = 0; i < PASSES; i++) gaps.push(...(await frames(page, true)).gaps)
    await cdp.send('Tracing.end')
    await done
    await writeFile(out, JSON.stringify({ traceEvents: events }))
    report(events, gaps)
  } finally {
    await s.close()
  }
}

await main()
