import { expect, type Locator, type Page } from '@playwright/test'

import { escapeRe } from './trace-pane'

/**
 * The session-log browser of one host (a `Session logs` pane): the files under
 * `<data dir>/logs/<host>/`, newest first, and a read-only viewer of one file.
 */
export class LogBrowser {
  readonly region: Locator
  readonly table: Locator

  constructor(
    readonly page: Page,
    readonly host: string,
  ) {
    this.region = page
      .getByRole('complementary', { name: 'Terminals' })
      .getByRole('region', { name: `${host} Session logs` })
    this.table = this.region.getByRole('table', { name: `Session logs of ${host}` })
  }

  /** The rows of the file list (file name, size, modified). */
  rows(): Locator {
    return this.table.getByRole('row').filter({ has: this.page.getByRole('button') })
  }

  /** File names listed, in order. */
  async fileNames(): Promise<string[]> {
    const buttons = this.table.getByRole('button', { name: /^Open / })
    return (await buttons.allTextContents()).map((t) => t.trim())
  }

  /** Re-reads the folder. */
  async refresh(): Promise<void> {
    await this.region.getByRole('button', { name: 'Refresh the list' }).click()
  }

  /** Opens the first file whose name matches; answers its name. */
  async open(name: RegExp): Promise<string> {
    const pattern = new RegExp(`^Open ${name.source.replace(/^\^/, '')}`)
    const button = this.table.getByRole('button', { name: pattern })
    const file = ((await button.first().textContent()) ?? '').trim()
    await button.first().click()
    await expect(this.viewer(file)).toBeVisible()
    return file
  }

  /** The read-only viewer of `file` (an xterm without input). */
  viewer(file: string): Locator {
    return this.region.getByRole('log', { name: `Log file ${file}` })
  }

  /** The viewer's range line (`bytes 0–1,234 of 1,234`). */
  range(): Locator {
    return this.region.getByLabel('Shown range')
  }

  /** Searches the open file; the count is `matches()`. */
  async find(file: string, text: string): Promise<void> {
    const box = this.region.getByRole('searchbox', { name: `Search ${file}` })
    await box.fill(text)
    await box.press('Enter')
  }

  /** The match count of the viewer's search. */
  matches(file: string): Locator {
    return this.region.getByLabel(new RegExp(`^${escapeRe(file)} matches$`))
  }

  /** Back from the viewer to the list. */
  async back(): Promise<void> {
    await this.region.getByRole('button', { name: 'Back to the list' }).click()
    await expect(this.table).toBeVisible()
  }
}
