import { expect, type Locator, type Page } from '@playwright/test'

import { ConfirmDialog } from './confirm-dialog'

/** One PF's detail: E-Switch panel, device controls and health (by its devlink handle). */
export class EswitchPanel {
  readonly region: Locator
  readonly panel: Locator
  readonly controls: Locator
  readonly health: Locator

  constructor(
    readonly page: Page,
    readonly handle = 'pci/0000:08:00.0',
  ) {
    this.region = page.getByRole('region', { name: `PF ${handle}` })
    this.panel = this.region.getByRole('region', { name: `E-Switch ${handle}` })
    this.controls = this.region.getByRole('region', { name: `Controls ${handle}` })
    this.health = this.region.getByRole('region', { name: `Health ${handle}` })
  }

  /** Selects this PF in the cards → PFs navigation and waits for its detail. */
  async open(): Promise<void> {
    await this.page.getByRole('tab', { name: 'Devices' }).click()
    await this.page
      .getByRole('navigation', { name: 'Devices' })
      .getByRole('button', { name: `PF ${this.handle}` })
      .click()
    await expect(this.region).toBeVisible({ timeout: 30_000 })
  }

  /** The current mode badge (`legacy`, `switchdev`, …). */
  mode(): Locator {
    return this.panel.getByLabel('E-Switch mode now')
  }

  /** `numvfs / totalvfs`. */
  vfs(): Locator {
    return this.panel.getByLabel('VFs enabled')
  }

  /** Starts an E-Switch mode change; returns the dialog to confirm. */
  async switchMode(
    mode: 'legacy' | 'switchdev',
    opts: { inline?: string; encap?: string } = {},
  ): Promise<ConfirmDialog> {
    await this.panel
      .getByRole('radiogroup', { name: 'E-Switch mode' })
      .getByRole('radio', { name: mode })
      .check()
    if (opts.inline) await this.panel.getByLabel('Inline mode').selectOption(opts.inline)
    if (opts.encap) await this.panel.getByLabel('Encap mode').selectOption(opts.encap)
    await this.panel.getByRole('button', { name: 'Set E-Switch mode' }).click()
    return new ConfirmDialog(this.page)
  }

  /** Starts a VF count change. */
  async setVfCount(count: number): Promise<ConfirmDialog> {
    await this.panel.getByRole('spinbutton', { name: 'VF count' }).fill(String(count))
    await this.panel.getByRole('button', { name: 'Set VF count' }).click()
    return new ConfirmDialog(this.page)
  }

  /** Loads or unloads mlx5_ib (whichever the button offers). */
  async toggleMlx5Ib(): Promise<ConfirmDialog> {
    await this.panel.getByRole('button', { name: /^(Load|Unload) mlx5_ib$/ }).click()
    return new ConfirmDialog(this.page)
  }

  /** Clicks a device control: 'Unbind PF', 'Bind PF', 'Devlink reload', 'Collect crdump', 'Firmware tracer on|off'. */
  async control(name: string | RegExp): Promise<ConfirmDialog> {
    await this.controls.getByRole('button', { name }).click()
    return new ConfirmDialog(this.page)
  }

  /** Runs a health action on a reporter label such as `fw_fatal` or `tx (port 65535)`. */
  async healthAction(
    action: 'Diagnose' | 'Dump' | 'Recover',
    reporter: string,
  ): Promise<ConfirmDialog> {
    await this.health.getByRole('button', { name: `${action} ${reporter}`, exact: true }).click()
    return new ConfirmDialog(this.page)
  }

  /** The fatal-error banner (role alert) with its dump link. */
  fatalBanner(): Locator {
    return this.region.getByRole('alert').filter({ hasText: 'Fatal firmware error' })
  }

  /** The topology figure and its SVG (accessible name lists mode, ports and problems). */
  topology(): Locator {
    return this.region.getByRole('figure', { name: `Topology ${this.handle}` })
  }
}
