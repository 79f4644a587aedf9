import { mkdir } from 'node:fs/promises'

import { openConsole } from './console'

/**
 * Manual design check: `npx tsx test/e2e/harness/shoot.ts [outDir]` opens the built renderer on
 * the fake lab, walks the main views and saves screenshots (not part of the test suite).
 */
async function main(): Promise<void> {
  const out = process.argv[2] ?? 'test-results/shots'
  await mkdir(out, { recursive: true })
  const s = await openConsole({ colorScheme: (process.env.SCHEME as 'dark' | 'light') ?? 'light' })
  const { page } = s
  try {
    await page.getByRole('button', { name: 'Host lab-01' }).click()
    await page.getByRole('button', { name: 'Connect' }).click()
    await page.getByRole('table', { name: 'Representors' }).waitFor()
    await page.screenshot({ path: `${out}/01-legacy.png` })
    await page.getByRole('radio', { name: 'switchdev' }).check()
    await page.getByRole('button', { name: 'Set E-Switch mode' }).click()
    await page
      .getByRole('dialog', { name: 'Confirm operation' })
      .getByText('Commands (dry run)')
      .waitFor()
    await page.screenshot({ path: `${out}/02-confirm.png` })
    await page.getByRole('button', { name: /^Run / }).click()
    await page.getByRole('dialog', { name: 'Operation result' }).waitFor()
    await page.getByRole('button', { name: 'Close', exact: true }).click()
    await page.getByRole('spinbutton', { name: 'VF count' }).fill('4')
    await page.getByRole('button', { name: 'Set VF count' }).click()
    await page.getByRole('button', { name: /^Run / }).click()
    await page.getByRole('button', { name: 'Close', exact: true }).click()
    await page.evaluate(() =>
      (
        window as unknown as {
          __fakeLab: {
            setMissingIbRep(h: string, on: boolean): void
            setFatal(h: string, on: boolean): void
          }
        }
      ).__fakeLab.setMissingIbRep('lab-01', true),
    )
    await page.evaluate(() =>
      (
        window as unknown as { __fakeLab: { setFatal(h: string, on: boolean): void } }
      ).__fakeLab.setFatal('lab-01', true),
    )
    await page.waitForTimeout(1500)
    await page.screenshot({ path: `${out}/03-switchdev.png`, fullPage: true })
    await page.getByRole('tab', { name: 'Drills' }).click()
    await page.getByRole('button', { name: 'Drill Late IB representors' }).click()
    await page.getByRole('button', { name: 'Start drill' }).click()
    await page.getByRole('progressbar', { name: 'Drill progress' }).waitFor()
    await page.waitForTimeout(2500)
    await page.screenshot({ path: `${out}/04-drill.png`, fullPage: true })
    await page.getByRole('tab', { name: 'History' }).click()
    await page.screenshot({ path: `${out}/05-history.png` })
    await page.getByRole('button', { name: 'Host new-03' }).click()
    await page.getByRole('tab', { name: 'Devices' }).click()
    await page.getByRole('button', { name: 'Connect' }).click()
    await page.getByRole('dialog', { name: 'Unknown host key' }).waitFor()
    await page.screenshot({ path: `${out}/06-hostkey.png` })
    await page.getByRole('button', { name: 'Reject and disconnect' }).click()
    await page.getByRole('button', { name: 'Host moved-04' }).click()
    await page.getByRole('button', { name: 'Connect' }).click()
    await page.getByRole('dialog', { name: /Host key changed/ }).waitFor()
    await page.screenshot({ path: `${out}/07-changed.png` })
    await page.getByRole('button', { name: 'Close', exact: true }).click()
    await page.getByRole('button', { name: 'Host lab-02' }).click()
    await page.getByRole('button', { name: 'Connect' }).click()
    await page.getByRole('table', { name: 'Representors' }).waitFor()
    await page.screenshot({ path: `${out}/08-readonly.png` })
    console.log('errors:', s.errors)
  } catch (err) {
    await page.screenshot({ path: `${out}/failure.png` })
    console.log('errors:', s.errors)
    throw err
  } finally {
    await s.close()
  }
}

await main()
