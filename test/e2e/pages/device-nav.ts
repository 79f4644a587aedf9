import { expect, type Locator, type Page } from '@playwright/test'

/** The cards → PFs navigation of the host view, and the device detail it selects. */
export class DeviceNav {
  readonly nav: Locator

  constructor(readonly page: Page) {
    this.nav = page.getByRole('navigation', { name: 'Devices' })
  }

  /** Card sections (`Card <model>`); PFs without a card are listed apart. */
  cards(): Locator {
    return this.nav.getByRole('region', { name: /^Card / })
  }

  /** The nav entry of a PF by devlink handle. */
  pf(handle: string): Locator {
    return this.nav.getByRole('button', { name: new RegExp(`^PF ${escape(handle)}\\b`) })
  }

  /** The handle of the device whose detail is shown. */
  async shown(): Promise<string | null> {
    const region = this.page.getByRole('region', { name: /^PF / }).first()
    await expect(region).toBeVisible({ timeout: 30_000 })
    return (await region.getAttribute('aria-label'))?.replace(/^PF /, '') ?? null
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}
