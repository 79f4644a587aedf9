import { expect, type Locator, type Page } from '@playwright/test'

/**
 * The operation dialog every control opens: dry run (commands, blast radius, confirmation
 * naming host and device) → run → result. Selects by role and label only.
 */
export class ConfirmDialog {
  readonly dialog: Locator
  readonly result: Locator

  constructor(readonly page: Page) {
    this.dialog = page.getByRole('dialog', { name: 'Confirm operation' })
    this.result = page.getByRole('dialog', { name: 'Operation result' })
  }

  /** Waits for the dry run to be shown. */
  async waitForPlan(): Promise<void> {
    await expect(this.dialog.getByLabel('Commands')).toBeVisible()
  }

  /** The exact commands of the dry run, one per line. */
  async commands(): Promise<string[]> {
    await this.waitForPlan()
    return (await this.dialog.getByLabel('Commands').innerText()).split('\n').filter(Boolean)
  }

  /** The confirmation sentence (names host and device). */
  confirmation(): Locator {
    return this.dialog.getByLabel('Confirmation')
  }

  /** Blast radius entries as text ("representor enp8s0f0npf0vf0 — pf0vf0"), empty if none. */
  async blastRadius(): Promise<string[]> {
    await this.waitForPlan()
    const list = this.dialog.getByRole('list', { name: 'Blast radius' })
    if ((await list.count()) === 0) return []
    const texts = await list.getByRole('listitem').allTextContents()
    return texts.map((t) => t.replace(/\s+/g, ' ').trim())
  }

  /** Confirms and waits for the result dialog. */
  async run(timeoutMs = 60_000): Promise<void> {
    await this.waitForPlan()
    await this.dialog.getByRole('button', { name: /^Run / }).click()
    await expect(this.result).toBeVisible({ timeout: timeoutMs })
  }

  /** Cancels before running (nothing is executed). */
  async cancel(): Promise<void> {
    await this.dialog.getByRole('button', { name: 'Cancel', exact: true }).click()
    await expect(this.dialog).toBeHidden()
  }

  /** Cancels a running operation (`ops.cancel`). */
  async cancelRunning(): Promise<void> {
    await this.dialog.getByRole('button', { name: 'Cancel operation' }).click()
  }

  /** The operation's output viewer (diagnose, dump, crdump). */
  output(): Locator {
    return this.result.getByRole('region', { name: 'Operation output' })
  }

  /** Asserts the result has no error alert, then closes it. */
  async expectOkAndClose(): Promise<void> {
    await expect(this.result.getByRole('alert')).toHaveCount(0)
    await this.close()
  }

  /** Closes the result dialog. */
  async close(): Promise<void> {
    await this.result.getByRole('button', { name: 'Close', exact: true }).click()
    await expect(this.result).toBeHidden()
  }

  /** Plan → run → ok → close, in one call. */
  async confirmAndClose(): Promise<void> {
    await this.run()
    await this.expectOkAndClose()
  }
}
