import { expect, test, type Page } from '@playwright/test'

import { startConsoleServer, type ConsoleServer } from './console-server'

// Issue 2's end-to-end journey on the real stack: labsim (own process) → SSH → main →
// WebSocket → React in Debian's Chromium. Connect, switch PF0 to switchdev, set 4 VFs, reset VF 0;
// the table shows the 4 VF representors and the firmware trace pane shows mlx5_fw lines.

let server: ConsoleServer

test.beforeAll(async () => {
  server = await startConsoleServer()
})
test.afterAll(async () => {
  await server?.stop()
})

async function confirmOperation(page: Page, runLabel: RegExp): Promise<void> {
  const dialog = page.getByRole('dialog', { name: 'Confirm operation' })
  await expect(dialog.getByLabel('Commands')).toBeVisible()
  await expect(dialog.getByLabel('Confirmation')).toContainText('sim-a')
  await dialog.getByRole('button', { name: runLabel }).click()
  const result = page.getByRole('dialog', { name: 'Operation result' })
  await expect(result).toBeVisible({ timeout: 60_000 })
  await expect(result.getByRole('alert')).toHaveCount(0)
  await result.getByRole('button', { name: 'Close', exact: true }).click()
}

test('connect, switchdev with 4 VFs, reset VF 0, representors and trace lines appear', async ({
  page,
}, testInfo) => {
  await page.goto(server.url)
  await page.getByRole('button', { name: 'Host sim-a' }).click()
  await page.getByRole('button', { name: 'Connect' }).click()
  await page.getByRole('button', { name: 'PF pci/0000:08:00.0' }).click()
  const pf = page.getByRole('region', { name: 'PF pci/0000:08:00.0' })
  await expect(pf).toBeVisible({ timeout: 30_000 })

  await pf.getByRole('radio', { name: 'switchdev' }).check()
  await pf.getByRole('button', { name: 'Set E-Switch mode' }).click()
  await confirmOperation(page, /^Run /)
  await expect(pf.getByLabel('E-Switch mode now')).toContainText('switchdev', { timeout: 30_000 })

  await pf.getByLabel('VF count').fill('4')
  await pf.getByRole('button', { name: 'Set VF count' }).click()
  await confirmOperation(page, /^Run /)
  const table = pf.getByRole('table', { name: 'Representors' })
  await expect(table.getByRole('row').filter({ hasText: 'pcivf' })).toHaveCount(4, {
    timeout: 30_000,
  })

  await pf
    .getByRole('button', { name: /^Reset .*0000:08:00\.2|^Reset VF 0/ })
    .first()
    .click()
  await confirmOperation(page, /^Run /)

  const trace = page.getByRole('log', { name: /Firmware trace output/i })
  await expect(trace).toContainText('mlx5_fw', { timeout: 30_000 })
  await page.screenshot({ path: testInfo.outputPath('foundation-journey.png'), fullPage: true })
  await testInfo.attach('console', {
    path: testInfo.outputPath('foundation-journey.png'),
    contentType: 'image/png',
  })
})
