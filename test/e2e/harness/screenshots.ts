import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import type { Page, TestInfo } from '@playwright/test'

/**
 * Attaches a screenshot of the page to the test's report; with `REPLAB_SCREENSHOTS=<dir>` set
 * (e.g. `docs/screenshots`) also writes it there as `name`, so README's pictures are what the
 * end-to-end suite saw.
 */
export async function saveScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const body = await page.screenshot()
  await testInfo.attach(name, { body, contentType: 'image/png' })
  const dir = process.env.REPLAB_SCREENSHOTS
  if (dir) await writeFile(join(dir, name), body)
}
