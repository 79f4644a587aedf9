import { access } from 'node:fs/promises'

import type { Page } from 'playwright-core'

import { openConsole, RENDERER_DIR } from '../e2e/harness/console'
import { measured, skipped, type Row } from './report'
import { errText, summarize } from './stats'

/**
 * Section 7, renderer (issue 10 §7): the built console (out/renderer) in headless Chromium on
 * the fake `window.lab` of test/e2e/harness (host big-01 has ~2,000 representor rows). Initial
 * render = click on the host until the first animation frame after the table has rows, with
 * the snapshot already loaded (median of 5), against the same for the small host lab-01.
 * Scroll = a scripted scroll of the table (240 px per frame, 240 frames, wrapping to the top
 * once), three times; frame time is the rAF interval, against idle frames measured on the same
 * page. Goals (issue 19 item 5): initial render ≤1.5x the small host's, longest scroll frame
 * ≤1.2x the idle frame (its median, one vsync), p95 ≤16.7 ms.
 */

const SECTION = '7 renderer'
const ROWS = 'table[aria-label="Representors"] tbody tr'

/** Rows: initial render of the 2,000-row table, p95 and longest frame while scrolling. */
export async function benchRenderer(): Promise<Row[]> {
  try {
    await access(`${RENDERER_DIR}/index.html`)
  } catch {
    return [
      skipped(SECTION, '*', 'out/renderer not built (node scripts/build.mjs --renderer-only)'),
    ]
  }
  let s
  try {
    s = await openConsole({ fake: true, width: 1600, height: 1000 })
  } catch (err) {
    return [skipped(SECTION, '*', `chromium: ${errText(err)}`)]
  }
  try {
    const page = s.page
    // tsx compiles this file with keepNames: functions sent to the page call __name.
    await page.evaluate('window.__name = (f) => f')
    await connect(page, 'lab-01')
    await connect(page, 'big-01')
    const rowCount = await page
      .locator('table[aria-label="Representors"]')
      .getAttribute('aria-rowcount')
    const big: number[] = []
    const small: number[] = []
    for (let i = 0; i < 5; i++) {
      small.push(await switchTo(page, 'lab-01'))
      big.push(await switchTo(page, 'big-01'))
    }
    const idle = await frames(page, false)
    const passes = [await frames(page, true), await frames(page, true), await frames(page, true)]
    const longest = passes.map((p) => Math.max(...p.gaps)).sort((a, b) => a - b)
    const scroll = { gaps: passes.flatMap((p) => p.gaps), px: passes[0]?.px ?? 0 }
    const f = summarize(scroll.gaps)
    const id = summarize(idle.gaps)
    const vsync = { on: 'value', op: '<=', target: 16.7 } as const
    return [
      measured(
        SECTION,
        'initial render 2,000 rows p50',
        summarize(big).p50,
        'ms',
        { value: summarize(small).p50, label: 'same view, small host lab-01' },
        { on: 'ratio', op: '<=', target: 1.5 },
        `aria-rowcount ${rowCount}; 2,000 rows ${summarize(big).min.toFixed(0)}–${summarize(big).max.toFixed(0)} ms, small ${summarize(small).min.toFixed(0)}–${summarize(small).max.toFixed(0)} ms (5 each)`,
      ),
      measured(
        SECTION,
        'scroll frame p95',
        f.p95,
        'ms',
        { value: id.p95, label: 'idle frames p95' },
        vsync,
        `scrolled ${scroll.px} px per pass, 3 passes, ${f.n} frames`,
      ),
      measured(
        SECTION,
        'scroll longest frame (median of 3 passes)',
        longest[1] ?? f.max,
        'ms',
        { value: id.p50, label: 'the idle frame (median rAF interval)' },
        { on: 'ratio', op: '<=', target: 1.2 },
        `longest per pass ${longest.map((x) => x.toFixed(0)).join(', ')} ms; idle frames max ${id.max.toFixed(0)} ms`,
      ),
    ]
  } catch (err) {
    return [
      skipped(
        SECTION,
        '*',
        `failed: ${errText(err)}; page errors: ${s.errors.slice(0, 3).join(' | ')}`,
      ),
    ]
  } finally {
    await s.close()
  }
}

async function connect(page: Page, host: string): Promise<void> {
  await page.getByRole('button', { name: `Host ${host}` }).click()
  await page.getByRole('button', { name: 'Connect' }).click()
  await page.locator(ROWS).first().waitFor({ timeout: 30_000 })
}

/** Clicks the host and resolves with ms until the frame after the table has rows. */
async function switchTo(page: Page, host: string): Promise<number> {
  const btn = await page.getByRole('button', { name: `Host ${host}` }).elementHandle()
  if (!btn) throw new Error(`no host button ${host}`)
  await page.waitForTimeout(200)
  return btn.evaluate(
    (el, sel) =>
      new Promise<number>((resolve) => {
        const t0 = performance.now()
        ;(el as HTMLElement).click()
        const table = document.querySelector('table[aria-label="Representors"]')
        const check = (): void => {
          const t = document.querySelector('table[aria-label="Representors"]')
          if (t && t !== table && document.querySelector(sel)) {
            requestAnimationFrame(() => resolve(performance.now() - t0))
          } else requestAnimationFrame(check)
        }
        requestAnimationFrame(check)
      }),
    ROWS,
  )
}

/**
 * 240 rAF intervals on the page (ms each, `gaps`), scrolling the representors table 240 px per
 * frame when `scroll` and wrapping to the top at its end; `px` is the distance scrolled.
 * renderer-trace.ts traces the same passes.
 */
export async function frames(page: Page, scroll: boolean): Promise<{ gaps: number[]; px: number }> {
  return page.evaluate(
    (doScroll) =>
      new Promise<{ gaps: number[]; px: number }>((resolve) => {
        const el = document.querySelector('[aria-label="Representors scroll area"]') as HTMLElement
        el.scrollTop = 0
        const gaps: number[] = []
        let last = -1
        const step = (t: number): void => {
          if (last >= 0) gaps.push(t - last)
          last = t
          if (doScroll) {
            el.scrollTop += 240
            if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) el.scrollTop = 0
          }
          if (gaps.length < 240) requestAnimationFrame(step)
          else resolve({ gaps, px: doScroll ? 240 * 240 : 0 })
        }
        requestAnimationFrame(step)
      }),
    scroll,
  )
}
