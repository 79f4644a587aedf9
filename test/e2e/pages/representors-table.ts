import { expect, type Locator, type Page } from '@playwright/test'

import { ConfirmDialog } from './confirm-dialog'

/** The virtualized representors table of the PF shown (only visible rows are in the DOM). */
export class RepresentorsTable {
  readonly table: Locator
  readonly scroller: Locator

  constructor(
    readonly page: Page,
    scope?: Locator,
  ) {
    const root = scope ?? page
    this.table = root.getByRole('table', { name: 'Representors' })
    this.scroller = root.getByLabel('Representors scroll area')
  }

  /** Rendered data rows (header excluded). */
  rows(): Locator {
    return this.table.getByRole('row').filter({ has: this.page.getByRole('cell') })
  }

  /** Rendered rows containing `text` (e.g. `pcivf`, a netdev, a BDF). */
  rowsWith(text: string): Locator {
    return this.rows().filter({ hasText: text })
  }

  /** Total rows after filtering, from the table's `aria-rowcount` (header included → minus 1). */
  async totalRows(): Promise<number> {
    return Number(await this.table.getAttribute('aria-rowcount')) - 1
  }

  /** Types into the filter box. */
  async filter(text: string): Promise<void> {
    await this.page.getByRole('searchbox', { name: 'Filter representors' }).fill(text)
  }

  /** Clicks a column header's sort button (e.g. `Netdev`, `Port`). */
  async sortBy(column: string): Promise<void> {
    await this.table.getByRole('button', { name: `Sort by ${column}` }).click()
  }

  /** Starts a per-VF action from its row. */
  async vfAction(action: 'Reset' | 'Unbind' | 'Bind', vf: number): Promise<ConfirmDialog> {
    await this.table.getByRole('button', { name: new RegExp(`^${action} VF ${vf} \\(`) }).click()
    return new ConfirmDialog(this.page)
  }

  /** Rows currently highlighted as changed. */
  changedRows(): Locator {
    return this.table.locator('tr.row-changed')
  }

  /**
   * Resizes the scroll box to `height` px (as its resize handle does), scrolls it to `top` and
   * returns, after the next frames, the rows the view shows (0-based, from the box's height and
   * offset) and the rendered rows' indexes in DOM order (from `aria-rowindex`).
   */
  async viewAt(height: number, top: number): Promise<{ visible: number[]; rendered: number[] }> {
    await this.scroller.evaluate(
      (el, [h, t]) => {
        el.style.height = `${h}px`
        el.scrollTop = t!
      },
      [height, top],
    )
    return this.scroller.evaluate(async (el) => {
      for (let i = 0; i < 3; i++) await new Promise((r) => requestAnimationFrame(r))
      const head = el.querySelector('thead')?.getBoundingClientRect().height ?? 0
      const rowHeight = el.querySelector('tbody tr')?.getBoundingClientRect().height ?? 1
      const first = Math.floor(el.scrollTop / rowHeight)
      const last = Math.ceil((el.scrollTop + el.clientHeight - head) / rowHeight) - 1
      const rows = Array.from(el.querySelectorAll('tbody tr[aria-rowindex]'))
      return {
        visible: Array.from({ length: last - first + 1 }, (_, i) => first + i),
        rendered: rows.map((r) => Number(r.getAttribute('aria-rowindex')) - 2),
      }
    })
  }

  /**
   * Scrolls the table from top to bottom in `steps` wheel-sized jumps, one per animation frame,
   * and returns the longest frame in ms seen meanwhile (requestAnimationFrame deltas) with the
   * number of frames and the last row index rendered.
   */
  async measureScroll(steps = 120): Promise<{
    longestFrameMs: number
    medianFrameMs: number
    p95FrameMs: number
    worst: number[][]
    frames: number
    lastRowIndex: number
  }> {
    await expect(this.rows().first()).toBeVisible()
    return this.scroller.evaluate(async (el, n) => {
      const deltas: number[] = []
      let last = performance.now()
      const max = el.scrollHeight - el.clientHeight
      for (let i = 1; i <= n; i++) {
        el.scrollTop = (max * i) / n
        await new Promise((r) => requestAnimationFrame(r))
        const now = performance.now()
        deltas.push(now - last)
        last = now
      }
      const rows = el.querySelectorAll('tbody tr[aria-rowindex]')
      const lastRow = rows[rows.length - 1]
      const sorted = [...deltas].sort((a, b) => a - b)
      return {
        longestFrameMs: Math.max(...deltas),
        medianFrameMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
        p95FrameMs: sorted[Math.floor(sorted.length * 0.95)] ?? 0,
        worst: deltas
          .map((d, i) => [i, Math.round(d)])
          .sort((a, b) => b[1]! - a[1]!)
          .slice(0, 5),
        frames: deltas.length,
        lastRowIndex: Number(lastRow?.getAttribute('aria-rowindex') ?? 0),
      }
    }, steps)
  }
}
