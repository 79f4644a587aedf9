import { expect, test, type Page } from '@playwright/test'

import { startConsoleServer, type ConsoleServer } from './console-server'
import { DrillRunView, EswitchPanel, HostListPage, TracePane } from './pages'

// Issue 7 journeys on the real back end: labsim in its own process, SSH, main, WebSocket.
// A drill from start to its reports, a first-use host-key dialog for a host added by hand
// (simulated hosts are pinned to labsim's fingerprint; a hand-added one is not), read-only mode.

let server: ConsoleServer
let page: Page

// The login link works once, so the tests share one logged-in page and run in order.
test.describe.configure({ mode: 'serial' })
test.beforeAll(async ({ browser }) => {
  server = await startConsoleServer(['--sim', '2'])
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
  await page.goto(server.url)
})
test.afterEach(async ({}, testInfo) => {
  // The back end's own output explains most failures (a crash, a refused connection).
  if (testInfo.status !== testInfo.expectedStatus) {
    await testInfo.attach('replab-serve.log', { body: server.output(), contentType: 'text/plain' })
    console.error(server.output().slice(-4000))
  }
})
test.afterAll(async () => {
  await page?.close()
  await server?.stop()
})

test('a drill runs from start to its reports', async ({}, testInfo) => {
  await new HostListPage(page).connect('sim-a')
  // The kernel log watches the drill: its E-Switch lines are highlighted and linked (below).
  const dmesg = new TracePane(page, 'dmesg')
  await dmesg.open()
  await expect(dmesg.status()).toContainText('open', { timeout: 30_000 })
  const drills = new DrillRunView(page)
  await drills.open()
  await drills.pick('Late mlx5_ib load creates IB representors')
  await drills.start({ device: 'pci/0000:08:00.0', iterations: 1, timeoutMs: 10_000, vfs: 2 })
  expect(await drills.waitForEnd(180_000)).toBe('passed')
  await expect(drills.timeline()).toBeVisible()
  for (const format of ['JSON', 'JUnit', 'HTML', 'repro.sh'] as const) {
    const download = await drills.export(format)
    const path = testInfo.outputPath(download.suggestedFilename())
    await download.saveAs(path)
    expect(download.suggestedFilename()).toMatch(/\.(json|xml|html|sh)$/)
  }
  await page.screenshot({ path: testInfo.outputPath('drill.png'), fullPage: true })
  await expect(
    (await drills.history()).getByRole('row').filter({ hasText: 'late-ib-reps' }),
  ).toHaveCount(1)
})

test('an E-Switch line in the kernel log links to the drill step that was running', async () => {
  const dmesg = new TracePane(page, 'dmesg')
  await dmesg.open()
  // Lines are counted at both ends: once the log is quiet, main's count equals the pane's.
  expect(await dmesg.waitForCountsEqual()).toBeGreaterThan(0)
  await dmesg.find('E-Switch: Enable')
  const line = dmesg.highlighted(3, 'E-Switch: Enable').first()
  await expect(line).toBeVisible()
  // xterm's screen layer sits over the row spans and takes the mouse, as for a user: move to
  // the line (xterm finds the OSC 8 link under the pointer), then click.
  const box = (await line.boundingBox())!
  await page.mouse.move(box.x + 20, box.y + box.height / 2)
  await page.mouse.click(box.x + 20, box.y + box.height / 2)
  const linked = new DrillRunView(page).linkedStep()
  await expect(linked).toBeVisible()
  await expect(linked).toContainText(/From the terminal: step \d+/)
  // The step ended (it has a status), and the E-Switch came up while VFs were being created.
  await expect(linked).toContainText(/passed/)
  await expect(linked).toContainText(/vf count|mode|bind|load/i)
})

test('a hand-added host asks about its key first, with the SHA256 fingerprint', async () => {
  const simB = server.hosts.find((h) => h.name === 'sim-b')!
  const hosts = new HostListPage(page)
  await hosts.nav.getByRole('button', { name: 'Add host…' }).click()
  const form = page.getByRole('dialog', { name: 'Add host' })
  await form.getByLabel('Host id').fill('rack-b')
  await form.getByLabel('Address').fill('127.0.0.1')
  await form.getByLabel('Port', { exact: true }).fill(String(simB.port))
  await form.getByLabel('User', { exact: true }).fill('root')
  await form.getByLabel('Identity file').fill(simB.identityFile)
  await form.getByRole('button', { name: 'Add host' }).click()
  await hosts.connect('rack-b', { waitReady: false })
  await expect(hosts.unknownKeyDialog().getByLabel('SHA256 fingerprint')).toContainText(
    simB.hostKeyFingerprint,
  )
  await hosts.answerUnknownKey(true)
  await expect(hosts.host('rack-b')).toContainText('connected', { timeout: 30_000 })
})

test('read-only mode disables every control of the host', async () => {
  const hosts = new HostListPage(page)
  await hosts.connect('sim-b')
  await hosts.setReadOnly(true)
  await expect(hosts.readOnlyFlag()).toBeVisible()
  const pf = new EswitchPanel(page)
  await pf.open()
  await expect(pf.panel.getByRole('button', { name: 'Set E-Switch mode' })).toBeDisabled()
  await expect(pf.controls.getByRole('button', { name: 'Devlink reload' })).toBeDisabled()
  await hosts.setReadOnly(false)
  await expect(pf.panel.getByRole('button', { name: 'Set E-Switch mode' })).toBeEnabled()
})
