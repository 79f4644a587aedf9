import { expect, type Locator, type Page } from '@playwright/test'

import { ConfirmDialog } from './confirm-dialog'
import { TerminalWorkspace, type PaneKindLabel } from './terminals'

/** Pane names of the terminal dock, as its menus and panes name them. */
export type PaneName = PaneKindLabel | `${PaneKindLabel} ${number}`

/** Escapes text for a RegExp. */
export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * One terminal pane of the dock (default: the firmware trace). A pane is named
 * `<host> <kind>[ <n>]` (`sim-a Shell 2`); without `host` the locators match the pane of that
 * kind whichever host it belongs to, among the panes on screen (hidden tabs are not in the
 * accessibility tree).
 */
export class TracePane {
  readonly dock: Locator
  readonly panel: Locator
  readonly output: Locator
  private readonly workspace: TerminalWorkspace
  /** `(^|host )name`: the end of every accessible name of this pane. */
  private readonly stem: string

  constructor(
    readonly page: Page,
    readonly name: PaneName = 'Firmware trace',
    readonly opts: { host?: string } = {},
  ) {
    this.workspace = new TerminalWorkspace(page)
    this.dock = this.workspace.dock
    this.stem = opts.host ? `${escapeRe(opts.host)} ${escapeRe(name)}` : escapeRe(name)
    this.panel = this.dock.getByRole('region', { name: this.re('') })
    this.output = page.getByRole('log', { name: this.re(' output') })
  }

  /** `<anything ending a word>name<suffix>` as an anchored RegExp. */
  private re(suffix: string, prefix = ''): RegExp {
    return new RegExp(`^${prefix}(.* )?${this.stem}${escapeRe(suffix)}$`)
  }

  /**
   * Shows the pane: clicks the tab that holds it, or opens it from the New tab menu on `host`
   * (default: the host selected in the sidebar).
   */
  async open(): Promise<void> {
    const tab = this.dock.getByRole('tab', { name: new RegExp(`${this.stem}( |$)`) }).first()
    if ((await tab.count()) > 0) await tab.click()
    else {
      const kind = this.name.replace(/ \d+$/, '') as PaneKindLabel
      await this.workspace.newTab(this.opts.host ?? (await this.workspace.selectedHost()), kind)
    }
    await expect(this.output).toBeVisible()
  }

  /** Stream status line (`open`, `parked: …`, `failed: …`). */
  status(): Locator {
    return this.panel.getByRole('status', { name: this.re(' status') })
  }

  /** Main's line counts shown in the toolbar (`<sent> sent · <shown> shown`). */
  counts(): Locator {
    return this.panel.getByLabel(this.re(' line counts'))
  }

  /**
   * The xterm renderer the pane uses and why ("DOM · SwiftShader (software)"); its title adds
   * the GPU string detection read (gpu-renderer.ts).
   */
  renderer(): Locator {
    return this.panel.getByLabel(this.re(' renderer'))
  }

  /** The search box of the pane. */
  searchBox(): Locator {
    return this.panel.getByRole('searchbox', { name: this.re('', 'Search ') })
  }

  /** The match count of the last search (`3 of 37`, `No matches`). */
  matches(): Locator {
    return this.panel.getByLabel(this.re(' matches'))
  }

  /** Waits until main's count and the pane's count are equal; answers that count. */
  async waitForCountsEqual(timeoutMs = 30_000): Promise<number> {
    let shown = -1
    await expect(async () => {
      const text = (await this.counts().textContent()) ?? ''
      const m = /^([\d,]+) sent · ([\d,]+) shown$/.exec(text.trim())
      expect(m, text).not.toBeNull()
      expect(m![1], text).toBe(m![2])
      shown = Number(m![2]!.replace(/,/g, ''))
    }).toPass({ timeout: timeoutMs })
    return shown
  }

  /** Searches the scrollback (the match is scrolled into view). */
  async find(text: string): Promise<void> {
    const box = this.searchBox()
    await box.fill(text)
    await box.press('Enter')
  }

  /**
   * A highlighted line in view, as the coloured spans of the screen rows holding `text`:
   * `colour` is xterm's palette index of its class (1 red for fatal and splats, 3 yellow for
   * E-Switch, 5 magenta for health recovery, 6 cyan for mlx5_fw). By row, because a search
   * decorates its matches cell by cell, which splits a line into one span per character.
   */
  highlighted(colour: 1 | 3 | 5 | 6, text: string | RegExp): Locator {
    return this.output
      .locator('.xterm-rows > div', { hasText: text })
      .locator(`span.xterm-fg-${colour}`)
  }

  /** Waits until the pane's rendered text contains `text`. */
  async waitForText(text: string | RegExp, timeoutMs = 30_000): Promise<void> {
    await expect(this.output).toContainText(text, { timeout: timeoutMs })
  }

  /** "Enable firmware tracer" from the trace pane's notice (shown when the tracer is off). */
  async enableTracer(): Promise<ConfirmDialog> {
    await this.panel.getByRole('button', { name: 'Enable firmware tracer' }).click()
    return new ConfirmDialog(this.page)
  }

  /** The xterm's input element (its textarea is labelled `<pane> terminal input`). */
  input(): Locator {
    return this.output.getByLabel(this.re(' terminal input'))
  }

  /** Focuses the pane's xterm input. */
  async focus(): Promise<void> {
    await this.output.click()
    await expect(this.input()).toBeFocused()
  }

  /** Types into the interactive shell (Shell pane only). */
  async type(text: string): Promise<void> {
    await this.focus()
    await this.page.keyboard.type(text)
  }

  /** Sends Ctrl-C (an interrupt that bypasses the output queue). */
  async interrupt(): Promise<void> {
    await this.focus()
    await this.page.keyboard.press('Control+c')
  }

  /** Clears the pane's screen and scrollback (the toolbar's Clear). */
  async clear(): Promise<void> {
    await this.panel.getByRole('button', { name: this.re('', 'Clear ') }).click()
  }

  /** Closes the pane (its scrollback is restored when a pane of the same kind reopens). */
  async close(): Promise<void> {
    await this.open()
    await this.panel.getByRole('button', { name: this.re(' pane', 'Close ') }).click()
    await expect(this.output).toHaveCount(0)
  }
}
