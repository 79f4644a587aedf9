import { expect, type Locator, type Page } from '@playwright/test'

/**
 * The Broadcast tab: one command, an explicit set of hosts, a confirmation that shows both, and
 * a per-host grid of status, exit code, duration and output.
 */
export class BroadcastView {
  readonly region: Locator
  readonly confirm: Locator
  readonly grid: Locator

  constructor(readonly page: Page) {
    this.region = page.getByRole('region', { name: 'Broadcast', exact: true })
    this.confirm = page.getByRole('dialog', { name: 'Confirm broadcast' })
    this.grid = this.region.getByRole('table', { name: 'Broadcast results' })
  }

  /** Shows the Broadcast tab. */
  async open(): Promise<void> {
    await this.page.getByRole('tab', { name: 'Broadcast' }).click()
    await expect(this.region).toBeVisible()
  }

  /** The checkbox of a host in the set. */
  hostBox(host: string): Locator {
    return this.region
      .getByRole('group', { name: 'Hosts' })
      .getByRole('checkbox', { name: new RegExp(`^${host}( |$)`) })
  }

  /** Chooses exactly `hosts`; every other host is unchecked. */
  async chooseHosts(hosts: string[]): Promise<void> {
    const boxes = this.region.getByRole('group', { name: 'Hosts' }).getByRole('checkbox')
    for (const box of await boxes.all()) {
      const name = (await box.getAttribute('data-host')) ?? ''
      if (await box.isDisabled()) continue
      await box.setChecked(hosts.includes(name))
    }
  }

  /** Fills the command, the per-host timeout (s), and opens the confirmation. */
  async review(command: string, timeoutS: number): Promise<void> {
    await this.region.getByLabel('Command', { exact: true }).fill(command)
    await this.region.getByLabel('Timeout per host (s)').fill(String(timeoutS))
    await this.region.getByRole('button', { name: 'Review…' }).click()
    await expect(this.confirm).toBeVisible()
  }

  /** The exact command the confirmation shows. */
  async confirmedCommand(): Promise<string> {
    return (await this.confirm.getByLabel('Command to send').textContent()) ?? ''
  }

  /** The hosts the confirmation lists. */
  async confirmedHosts(): Promise<string[]> {
    const items = this.confirm.getByRole('list', { name: 'Hosts to run on' }).getByRole('listitem')
    return (await items.allTextContents()).map((t) => t.trim().split(/\s/)[0]!)
  }

  /** Sends (the button names the host count). */
  async run(): Promise<void> {
    await this.confirm.getByRole('button', { name: /^Run on \d+ hosts?$/ }).click()
    await expect(this.confirm).toBeHidden()
  }

  /** Closes the confirmation without sending. */
  async dismiss(): Promise<void> {
    await this.confirm.getByRole('button', { name: 'Cancel', exact: true }).click()
    await expect(this.confirm).toBeHidden()
  }

  /** The grid row of a host. */
  row(host: string): Locator {
    return this.grid.getByRole('row', { name: new RegExp(`^${host} `) })
  }

  /** One cell of a host's row by its column. */
  cell(host: string, column: 'Status' | 'Exit code' | 'Duration' | 'Output'): Locator {
    return this.row(host).getByLabel(column, { exact: true })
  }

  /** Cancels one host's run, or every running host. */
  async cancel(host?: string): Promise<void> {
    const name = host ? `Cancel on ${host}` : 'Cancel all'
    await this.region.getByRole('button', { name, exact: true }).click()
  }
}
