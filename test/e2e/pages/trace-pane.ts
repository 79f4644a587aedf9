import { expect, type Locator, type Page } from '@playwright/test'

import { ConfirmDialog } from './confirm-dialog'

/** Pane names of the terminal dock, as its tabs and tab panels are labelled. */
export type PaneName = 'Firmware trace' | 'dmesg' | 'devlink monitor' | 'Shell'

/** A terminal pane of the dock (default: the firmware trace). */
export class TracePane {
  readonly dock: Locator
  readonly panel: Locator
  readonly output: Locator

  constructor(
    readonly page: Page,
    readonly name: PaneName = 'Firmware trace',
  ) {
    this.dock = page.getByRole('complementary', { name: 'Terminals' })
    this.panel = this.dock.getByRole('tabpanel', { name })
    this.output = page.getByRole('log', { name: `${name} output` })
  }

  /** Shows the pane's tab (creating the pane on first use). */
  async open(): Promise<void> {
    await this.dock.getByRole('tab', { name: new RegExp(`^${this.name}`) }).click()
    await expect(this.output).toBeVisible()
  }

  /** Stream status line (`open`, `parked: …`, `failed: …`). */
  status(): Locator {
    return this.panel.getByRole('status', { name: `${this.name} status` })
  }

  /** Main's line counts shown in the toolbar (`<sent> sent · <shown> shown`). */
  counts(): Locator {
    return this.panel.getByLabel(`${this.name} line counts`)
  }

  /**
   * The xterm renderer the pane uses and why ("DOM · SwiftShader (software)"); its title adds
   * the GPU string detection read (gpu-renderer.ts).
   */
  renderer(): Locator {
    return this.panel.getByLabel(`${this.name} renderer`)
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
    const box = this.panel.getByRole('searchbox', { name: `Search ${this.name}` })
    await box.fill(text)
    await box.press('Enter')
  }

  /**
   * A highlighted line in view: `colour` is xterm's palette index of its class (1 red for fatal
   * and splats, 3 yellow for E-Switch, 5 magenta for health recovery, 6 cyan for mlx5_fw).
   */
  highlighted(colour: 1 | 3 | 5 | 6, text: string | RegExp): Locator {
    return this.output.locator(`span.xterm-fg-${colour}`, { hasText: text })
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

  /** Focuses the pane's xterm input (its textarea is labelled `<pane> terminal input`). */
  async focus(): Promise<void> {
    await this.output.click()
    await expect(this.page.getByLabel(`${this.name} terminal input`)).toBeFocused()
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

  /** Closes the pane (its scrollback is restored when reopened). */
  async close(): Promise<void> {
    await this.open()
    await this.dock.getByRole('button', { name: `Close ${this.name} pane` }).click()
  }
}
