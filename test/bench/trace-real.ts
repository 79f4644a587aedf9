import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { Browser, BrowserContext, Page } from 'playwright-core'

import { createBackend, type Backend } from '../../main/service/backend'
import { startWebServer } from '../../main/web/server'
import { RENDERER_DIR } from '../e2e/harness/console'
import { launchChromium } from './browser'
import { cpuDelta, sampleCpu, type CpuByRole } from './proc-cpu'
import { spawnLabChild } from './lab-process'
import type { TraceResult } from './trace-page'

/**
 * The real trace path of issue 8: labsim (a child process, lab-child.ts) → SSH (`cat
 * …/trace_pipe`) → main (the back end of `replab serve`: createBackend + startWebServer, in this
 * process) → WebSocket → the console's "Firmware trace" pane (xterm) in headless Chromium.
 * The page counts terminal payload bytes and lines as they arrive on the WebSocket (binary
 * frames: 4-byte header length, JSON header, payload; contract/wire.ts) and frame gaps with rAF;
 * the run ends when the last numbered line is visible in the pane.
 */

/** Installed before the console loads: counts binary WebSocket payloads, records rAF gaps. */
const PAGE_HOOK = `(() => {
  const s = { bytes: 0, lines: 0, messages: 0, gaps: [], recording: false, t0: 0 };
  window.__trace = s;
  const Orig = window.WebSocket;
  window.WebSocket = class extends Orig {
    constructor(...a) {
      super(...a);
      this.addEventListener('message', (e) => {
        if (!(e.data instanceof ArrayBuffer) || !s.recording) return;
        const v = new DataView(e.data);
        const head = v.getUint32(0);
        const p = new Uint8Array(e.data, 4 + head);
        s.bytes += p.length;
        s.messages++;
        for (let at = p.indexOf(10); at !== -1; at = p.indexOf(10, at + 1)) s.lines++;
      });
    }
  };
  let last = 0;
  const frame = (t) => { if (s.recording && last) s.gaps.push(t - last); last = t; requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
})()`

/** The real path, opened: the console page with its trace pane open on the first host. */
export interface RealPath {
  readonly page: Page
  /** The trace pane's terminal size in cells, as the page last told main (open or resize). */
  geometry(): { cols: number; rows: number }
  /** Floods the host's trace_pipe with `bytes` of numbered lines; answers the line count. */
  flood(bytes: number): Promise<number>
  /**
   * Waits for the last of `lines` flooded lines in the pane; answers rates, gaps, loss and the
   * CPU each process spent since `flood` (proc-cpu.ts).
   */
  finish(lines: number): Promise<TraceResult & { cpu: CpuByRole }>
  close(): Promise<void>
}

/**
 * Starts the labsim child, the back end and its web server, and opens the console in a new
 * context of `browser` with the trace pane open. Rejects (after cleaning up) when a piece fails.
 */
export async function openRealPath(browser: Browser): Promise<RealPath> {
  const lab = await spawnLabChild(1, 0.05)
  const dataDir = await mkdtemp(join(tmpdir(), 'replab-trace-'))
  let backend: Backend | null = null
  let server: Awaited<ReturnType<typeof startWebServer>> | null = null
  let ctx: BrowserContext | null = null
  const close = async (): Promise<void> => {
    await ctx?.close()
    await server?.close()
    await backend?.close()
    await lab.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
  try {
    backend = await createBackend({ dataDir })
    const geometry = watchTraceGeometry(backend)
    let cpuBefore: CpuByRole = {}
    await backend.addSimulatedHosts(lab.hosts.map((h) => ({ ...h, host: '127.0.0.1' as const })))
    server = await startWebServer({
      dispatcher: backend.dispatcher,
      hub: backend.hub,
      staticDir: `${RENDERER_DIR}/`,
      port: 0,
    })
    ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 } })
    await ctx.addInitScript({ content: PAGE_HOOK })
    const page = await ctx.newPage()
    await page.goto(server.url)
    await openTracePane(page, lab.hosts[0]?.name ?? 'sim-a')
    return {
      page,
      geometry,
      flood: async (bytes) => {
        cpuBefore = await sampleCpu()
        await page.evaluate(
          'window.__trace.recording = true; window.__trace.t0 = performance.now()',
        )
        return lab.flood(bytes)
      },
      finish: async (lines) => {
        const result = await finish(page, lines)
        return { ...result, cpu: cpuDelta(cpuBefore, await sampleCpu()) }
      },
      close,
    }
  } catch (err) {
    await close()
    throw err
  }
}

/**
 * Observes the calls the page makes (the in-process dispatcher behind the web server) and keeps
 * the size the trace pane asked for: `terminals:open` of kind `trace`, then its resizes.
 */
function watchTraceGeometry(backend: Backend): () => { cols: number; rows: number } {
  const size = { cols: 0, rows: 0 }
  let traceStream: string | null = null
  const dispatcher = backend.dispatcher
  const dispatch = dispatcher.dispatch.bind(dispatcher)
  dispatcher.dispatch = async (channel, request, ctx) => {
    const result = await dispatch(channel, request, ctx)
    const r = request as { kind?: string; streamId?: string; cols?: number; rows?: number }
    const opened = channel === 'terminals:open' && r.kind === 'trace' && result.ok
    if (opened) traceStream = (result.value as { streamId: string }).streamId
    const resized = channel === 'terminals:resize' && r.streamId === traceStream && result.ok
    if ((opened || resized) && r.cols && r.rows) Object.assign(size, { cols: r.cols, rows: r.rows })
    return result
  }
  return () => ({ ...size })
}

/**
 * Runs `mb` MB through the real path in a Chromium of its own (the bench's section 6); answers
 * the result and the trace pane's size in cells.
 */
export async function runRealPath(
  mb: number,
): Promise<TraceResult & { cols: number; rows: number; cpu: CpuByRole }> {
  const browser = await launchChromium()
  try {
    const path = await openRealPath(browser)
    try {
      const result = await path.finish(await path.flood(Math.round(mb * 1e6)))
      return { ...result, ...path.geometry() }
    } finally {
      await path.close()
    }
  } finally {
    await browser.close()
  }
}

async function openTracePane(page: Page, host: string): Promise<void> {
  await page.getByRole('button', { name: `Host ${host}` }).click()
  const connect = page.getByRole('button', { name: 'Connect', exact: true })
  const table = page.locator('table[aria-label="Representors"] tbody tr').first()
  await Promise.race([
    table.waitFor({ timeout: 60_000 }),
    connect.click({ timeout: 60_000 }).then(() => table.waitFor({ timeout: 60_000 })),
  ])
  await page.getByRole('tab', { name: `${host} Firmware trace` }).click()
  await page.waitForFunction(
    (h) =>
      (
        document.querySelector(`[aria-label="${h} Firmware trace status"]`)?.textContent ?? ''
      ).startsWith('open'),
    host,
    { timeout: 30_000 },
  )
}

async function finish(page: Page, lines: number, timeoutMs = 300_000): Promise<TraceResult> {
  const lastSeq = `seq=${String(lines - 1).padStart(10, '0')}`
  let lost = 0
  try {
    await page.waitForFunction(
      (seq) =>
        (
          document.querySelector('[aria-label$=" Firmware trace output"]')?.textContent ?? ''
        ).includes(seq),
      lastSeq,
      { timeout: timeoutMs, polling: 'raf' },
    )
  } catch {
    lost = -1 // the last line never showed; computed from the counts below
  }
  const s = (await page.evaluate(
    '(() => { const s = window.__trace; s.recording = false; return { bytes: s.bytes, lines: s.lines, messages: s.messages, gaps: s.gaps, ms: performance.now() - s.t0 } })()',
  )) as { bytes: number; lines: number; messages: number; gaps: number[]; ms: number }
  const sorted = [...s.gaps].sort((a, b) => a - b)
  if (lost !== 0 || s.lines !== lines) lost = lines - s.lines
  return {
    ms: s.ms,
    bytes: s.bytes,
    lines: s.lines,
    longestGapMs: sorted[sorted.length - 1] ?? 0,
    p95GapMs: sorted[Math.floor(sorted.length * 0.95)] ?? 0,
    lost,
    messages: s.messages,
  }
}
