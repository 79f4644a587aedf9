import { expect, type Locator, type Page } from '@playwright/test'

/** What the New tab and Split menus offer, by their button names. */
export type PaneKindLabel =
  'Firmware trace' | 'dmesg' | 'devlink monitor' | 'Shell' | 'Session logs'

/**
 * The terminal dock: a tab strip over every host's panes (tabs are labelled
 * `<host> · <pane>`, a split tab joins its panes with ` | `), the New tab and Split menus, the
 * focus hint, and maximize.
 */
export class TerminalWorkspace {
  readonly dock: Locator
  readonly tablist: Locator

  constructor(readonly page: Page) {
    this.dock = page.getByRole('complementary', { name: 'Terminals' })
    this.tablist = this.dock.getByRole('tablist', { name: 'Terminal tabs' })
  }

  /** The host selected in the sidebar (`Host sim-a` → `sim-a`). */
  async selectedHost(): Promise<string> {
    const current = this.page
      .getByRole('navigation', { name: 'Hosts' })
      .locator('button[aria-current="true"]')
    const label = (await current.getAttribute('aria-label')) ?? ''
    return label.replace(/^Host /, '')
  }

  /** A tab by its exact label, e.g. `sim-a · Shell 2`. */
  tab(label: string | RegExp): Locator {
    return this.tablist.getByRole('tab', { name: label, exact: typeof label === 'string' })
  }

  /** Every tab label, in order. */
  async tabLabels(): Promise<string[]> {
    return (await this.tablist.getByRole('tab').allTextContents()).map((t) => t.trim())
  }

  /** The tab panel on screen. */
  activePanel(): Locator {
    return this.dock.getByRole('tabpanel')
  }

  private async pick(menuName: string, host: string, kind: PaneKindLabel): Promise<void> {
    const menu = this.page.getByRole('dialog', { name: menuName })
    await expect(menu).toBeVisible()
    await menu.getByLabel('Host').selectOption(host)
    await menu.getByRole('button', { name: kind, exact: true }).click()
    await expect(menu).toBeHidden()
  }

  /** Opens a new tab with one pane of `kind` on `host`. */
  async newTab(host: string, kind: PaneKindLabel): Promise<void> {
    await this.dock.getByRole('button', { name: 'New terminal tab' }).click()
    await this.pick('New terminal tab', host, kind)
  }

  /** Adds a pane of `kind` on `host` beside the panes of the active tab. */
  async split(host: string, kind: PaneKindLabel): Promise<void> {
    await this.dock.getByRole('button', { name: 'Split the current tab' }).click()
    await this.pick('Split the current tab', host, kind)
  }

  /** Closes a tab (and every pane in it). */
  async closeTab(label: string): Promise<void> {
    await this.tablist.getByRole('button', { name: `Close tab ${label}`, exact: true }).click()
    await expect(this.tab(label)).toHaveCount(0)
  }

  /** The hint naming the key that lets Tab leave a shell pane, with its state. */
  focusHint(): Locator {
    return this.dock.getByRole('note', { name: 'Keyboard focus' })
  }

  /** Shows the dock over the host view (or back). */
  async maximize(on: boolean): Promise<void> {
    const button = this.dock.getByRole('button', { name: 'Maximize terminals' })
    if ((await button.getAttribute('aria-pressed')) !== String(on)) await button.click()
    await expect(button).toHaveAttribute('aria-pressed', String(on))
  }
}
