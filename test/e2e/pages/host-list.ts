import { expect, type Locator, type Page } from '@playwright/test'

/** The host inventory sidebar, the host header and the host-key dialogs. */
export class HostListPage {
  readonly nav: Locator

  constructor(readonly page: Page) {
    this.nav = page.getByRole('navigation', { name: 'Hosts' })
  }

  /** The inventory button of a host (its text carries name, user@host:port and state). */
  host(name: string): Locator {
    return this.nav.getByRole('button', { name: `Host ${name}`, exact: true })
  }

  /** Types into the host search box. */
  async search(query: string): Promise<void> {
    await this.nav.getByRole('searchbox', { name: 'Search hosts' }).fill(query)
  }

  /** Selects a host so the host view shows it. */
  async select(name: string): Promise<void> {
    await this.host(name).click()
    await expect(this.host(name)).toHaveAttribute('aria-current', 'true')
  }

  /** Selects and connects a host; waits for `connected` unless a host-key prompt is expected. */
  async connect(name: string, opts: { waitReady?: boolean } = {}): Promise<void> {
    await this.select(name)
    await this.page.getByRole('button', { name: 'Connect', exact: true }).click()
    if (opts.waitReady !== false)
      await expect(this.host(name)).toContainText('connected', { timeout: 30_000 })
  }

  /** Toggles read-only mode of the selected host. */
  async setReadOnly(on: boolean): Promise<void> {
    // The checkbox is controlled by the back end's answer, so it flips only after the round
    // trip: click, then wait for the state (setChecked would fail on the momentary no-change).
    const box = this.page.getByRole('checkbox', { name: 'Read-only' })
    if ((await box.isChecked()) !== on) await box.click()
    await expect(box).toBeChecked({ checked: on })
  }

  /** The read-only banner of the selected host. */
  readOnlyFlag(): Locator {
    return this.page.getByRole('status').filter({ hasText: 'READ-ONLY' })
  }

  /** Adds a host through the form. */
  async addHost(c: {
    id: string
    host: string
    user: string
    port?: number
    group?: string
  }): Promise<void> {
    await this.nav.getByRole('button', { name: 'Add host…' }).click()
    const dialog = this.page.getByRole('dialog', { name: 'Add host' })
    await dialog.getByLabel('Host id').fill(c.id)
    await dialog.getByLabel('Address').fill(c.host)
    await dialog.getByLabel('User').fill(c.user)
    if (c.port) await dialog.getByLabel('Port').fill(String(c.port))
    if (c.group) await dialog.getByLabel('Group').fill(c.group)
    await dialog.getByRole('button', { name: 'Add host' }).click()
    await expect(dialog).toBeHidden()
  }

  /** The first-use host-key dialog. */
  unknownKeyDialog(): Locator {
    return this.page.getByRole('dialog', { name: 'Unknown host key' })
  }

  /** The changed/revoked key refusal (no accept button exists). */
  changedKeyDialog(): Locator {
    return this.page.getByRole('dialog', { name: /Host key (changed|revoked): connection refused/ })
  }

  /** Answers the first-use prompt. */
  async answerUnknownKey(accept: boolean): Promise<void> {
    const d = this.unknownKeyDialog()
    await d
      .getByRole('button', {
        name: accept ? 'Trust this key and connect' : 'Reject and disconnect',
      })
      .click()
    await expect(d).toBeHidden()
  }
}

/** Selects a host and connects it unless it is connected already. */
export async function ensureConnected(hosts: HostListPage, name: string): Promise<void> {
  await hosts.select(name)
  const connect = hosts.page.getByRole('button', { name: 'Connect', exact: true })
  if (await connect.isVisible()) await hosts.connect(name)
}
