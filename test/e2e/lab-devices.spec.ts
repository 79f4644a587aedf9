import { readFile } from 'node:fs/promises'

import { expect, test, type Page } from '@playwright/test'

import { startTcpProxy } from '../helpers/tcp-proxy'

import type { ConsoleServer } from './console-server'
import { useLabsimPage } from './harness/labsim-page'
import { EswitchPanel, HostListPage, RepresentorsTable, type ConfirmDialog } from './pages'
import { DeviceNav } from './pages/device-nav'
import { HostAdmin } from './pages/host-admin'
import { ensureConnected } from './pages/host-list'

// Issue 18 on the real back end (labsim → SSH → main → WebSocket → Chromium, 1600×1000):
// (1) the selected device stays selected, (2) every control shows the observed state and a
// stale view says so, (6) read-only actions are plain, allowed in read-only mode, and results
// read as results with ports named by flavour.

const lab = useLabsimPage()
let server: ConsoleServer
let page: Page
test.beforeAll(() => {
  server = lab.server
  page = lab.page
})

const PF0 = 'pci/0000:08:00.0'
const PF1 = 'pci/0000:08:00.1'

test('1: the selected PF stays selected through unbind, bind, reload, tab switches and reconnect', async () => {
  const hosts = new HostListPage(page)
  await hosts.connect('sim-a')
  const nav = new DeviceNav(page)
  expect(await nav.shown()).toBe(PF0)
  const pf0 = new EswitchPanel(page, PF0)
  await (await pf0.control('Unbind PF')).confirmAndClose()
  // Still PF0, shown as unbound with the one action that applies; the other PF is untouched.
  await expect(pf0.region.getByRole('status', { name: 'Driver state' })).toContainText(
    'no driver bound',
  )
  expect(await nav.shown()).toBe(PF0)
  await expect(pf0.controls.getByRole('button', { name: 'Bind PF' })).toBeEnabled()
  // The unbound PF stays on its card: one card, two PFs.
  await expect(nav.cards()).toHaveCount(1)
  await expect(
    nav
      .cards()
      .first()
      .getByRole('button', { name: /^PF pci\// }),
  ).toHaveCount(2)
  // (2) No driver: what needs one is disabled, saying why; the topology says the true mode.
  for (const name of ['Devlink reload', 'Collect crdump'])
    await expect(pf0.controls.getByRole('button', { name })).toBeDisabled()
  await expect(pf0.panel.getByRole('button', { name: 'Set VF count' })).toBeDisabled()
  await expect(pf0.panel.getByRole('button', { name: 'Set E-Switch mode' })).toBeDisabled()
  await expect(pf0.region.getByText(/needs a bound driver/).first()).toBeVisible()
  await expect(pf0.topology()).not.toContainText('Legacy mode')
  await expect(pf0.topology().getByRole('img').first()).toHaveAttribute('aria-label', /mode none/)
  await (await pf0.control('Bind PF')).confirmAndClose()
  await expect(pf0.controls.getByRole('button', { name: 'Unbind PF' })).toBeEnabled()
  expect(await nav.shown()).toBe(PF0)

  // The second PF, chosen by the user, survives a reload, other tabs and a reconnect.
  await nav.pf(PF1).click()
  const pf1 = new EswitchPanel(page, PF1)
  await (await pf1.control('Devlink reload')).confirmAndClose()
  expect(await nav.shown()).toBe(PF1)
  await page.getByRole('tab', { name: 'Drills' }).click()
  await page.getByRole('tab', { name: 'Devices' }).click()
  expect(await nav.shown()).toBe(PF1)
  await page.getByRole('button', { name: 'Disconnect', exact: true }).click()
  await expect(hosts.host('sim-a')).toContainText('not connected')
  await page.getByRole('button', { name: 'Connect', exact: true }).click()
  await expect(hosts.host('sim-a')).toContainText('connected', { timeout: 30_000 })
  expect(await nav.shown()).toBe(PF1)
})

test('2: the tracer button and the trace banner follow the host within one watcher update', async () => {
  await ensureConnected(new HostListPage(page), 'sim-a')
  const pf0 = new EswitchPanel(page, PF0)
  await pf0.open()
  const banner = page.getByRole('status').filter({ hasText: 'Firmware tracer is off' })
  await expect(pf0.controls.getByRole('button', { name: 'Firmware tracer off' })).toBeVisible()
  await expect(banner).toHaveCount(0)
  await (await pf0.control('Firmware tracer off')).confirmAndClose()
  // No Refresh: the watcher's update alone must bring the new state.
  await expect(pf0.controls.getByRole('button', { name: 'Firmware tracer on' })).toHaveAttribute(
    'aria-pressed',
    'false',
  )
  await expect(banner).toBeVisible()
  await (await pf0.control('Firmware tracer on')).confirmAndClose()
  await expect(pf0.controls.getByRole('button', { name: 'Firmware tracer off' })).toHaveAttribute(
    'aria-pressed',
    'true',
  )
  await expect(banner).toHaveCount(0)
})

test('2: a view built from a stale snapshot says so, with Retry now during the backoff', async () => {
  const simB = server.hosts.find((h) => h.name === 'sim-b')!
  const proxy = await startTcpProxy(simB.port)
  try {
    const admin = new HostAdmin(page)
    const hosts = admin.hosts
    const form = await admin.openAdd()
    await admin.fill(form, {
      id: 'via-cable',
      host: '127.0.0.1',
      port: proxy.port,
      user: 'root',
      identityFile: simB.identityFile,
    })
    await admin.save(form)
    await hosts.connect('via-cable', { waitReady: false })
    await hosts.answerUnknownKey(true)
    await expect(hosts.host('via-cable')).toContainText('connected', { timeout: 30_000 })
    const pf = new EswitchPanel(page, PF0)
    await expect(pf.region).toBeVisible({ timeout: 30_000 })
    const stale = page.getByRole('alert', { name: 'Stale snapshot' })
    await expect(stale).toHaveCount(0)
    await proxy.stop()
    await expect(stale).toBeVisible()
    await expect(stale).toContainText(/snapshot taken at/)
    // Let the backoff grow, so the next automatic attempt is seconds away.
    await expect(stale).toContainText(/attempt ([4-9]|\d\d)\b/, { timeout: 30_000 })
    await proxy.start()
    await stale.getByRole('button', { name: 'Retry now' }).click()
    await expect(hosts.host('via-cable')).toContainText('connected', { timeout: 5_000 })
    await expect(stale).toHaveCount(0)
  } finally {
    await proxy.stop()
  }
})

test('6: read-only actions are plain, run in read-only mode, and their output can be saved', async ({}, testInfo) => {
  const hosts = new HostListPage(page)
  await ensureConnected(hosts, 'sim-a')
  await hosts.setReadOnly(true)
  const pf0 = new EswitchPanel(page, PF0)
  await pf0.open()
  await expect(pf0.controls.getByRole('button', { name: 'Devlink reload' })).toBeDisabled()
  let dialog = await pf0.healthAction('Diagnose', 'fw')
  await dialog.waitForPlan()
  await expect(dialog.dialog).not.toHaveClass(/modal-danger/)
  await expect(dialog.dialog.getByRole('button', { name: /^Run / })).not.toHaveClass(/danger/)
  await expect(dialog.dialog).toContainText('Read-only')
  await dialog.run()
  await expect(dialog.output()).toContainText(/\S/)
  await expectReadsAsResult(dialog)
  await dialog.close()

  dialog = await pf0.control('Collect crdump')
  await dialog.run()
  await expect(dialog.result.getByRole('alert')).toHaveCount(0)
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    dialog.result.getByRole('button', { name: 'Save output' }).click(),
  ])
  expect(download.suggestedFilename()).toMatch(/^sim-a-.*crdump.*\.txt$/)
  const path = testInfo.outputPath(download.suggestedFilename())
  await download.saveAs(path)
  expect((await readFile(path, 'utf8')).trim().length).toBeGreaterThan(0)
  await expect(dialog.output()).toContainText((await readFile(path, 'utf8')).split('\n')[0]!)
  await dialog.close()
  await hosts.setReadOnly(false)
})

test('6: results read as results, list changes old → new, and ports are named by flavour', async () => {
  await ensureConnected(new HostListPage(page), 'sim-a')
  const pf0 = new EswitchPanel(page, PF0)
  await pf0.open()
  // Per-port reporters are named by the port's flavour, never by the raw index.
  await expect(pf0.health.getByRole('cell', { name: 'tx (uplink p0)', exact: true })).toBeVisible()
  let dialog = await pf0.control('Devlink reload')
  expect((await dialog.blastRadius()).join('\n')).toContain('uplink p0')
  await expect(dialog.dialog).not.toContainText('65535')
  await dialog.cancel()
  dialog = await pf0.switchMode('switchdev')
  await dialog.run()
  await expectReadsAsResult(dialog)
  await expect(dialog.result.getByRole('list', { name: 'Changes observed' })).toContainText(
    /mode: legacy → switchdev/,
  )
  await dialog.expectOkAndClose()
  await (await pf0.setVfCount(2)).confirmAndClose()
  const table = new RepresentorsTable(page, pf0.region)
  await expect(table.rowsWith('pcivf')).toHaveCount(2)
  await expect(table.rowsWith('uplink p0')).toHaveCount(1)
  // The devlink port index stays available in its own labelled column (`devlink port show
  // pci/…/65535` needs it); everywhere else the port is named.
  for (const part of [pf0.health, pf0.topology(), pf0.panel, pf0.controls])
    await expect(part).not.toContainText('65535')
})

/** After the run the dialog states what happened: no question, no dry-run heading, no op ids. */
async function expectReadsAsResult(dialog: ConfirmDialog): Promise<void> {
  await expect(dialog.result).toBeVisible()
  await expect(dialog.result.getByLabel('Outcome')).toBeVisible()
  await expect(dialog.result).not.toContainText('Commands (dry run)')
  await expect(dialog.result).not.toContainText(/\? It (disturbs|touches)|Run [a-z-]+ on/)
  await expect(dialog.result).not.toContainText(
    /\b(eswitch-mode|vf-count|pci-unbind|pci-bind|devlink-reload|fw-tracer|op-[0-9a-z]{6,})\b/,
  )
}
