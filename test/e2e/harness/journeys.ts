import { expect } from '@playwright/test'

import { DrillRunView, EswitchPanel, HostListPage, RepresentorsTable, TracePane } from '../pages'

import type { ConsoleSession } from './console'

/**
 * UI journeys against the fake `window.lab` in real headless Chromium, through the page
 * objects. Used by test/e2e/ui-journeys.spec.ts (in `npm test`) and by check-ui.ts.
 */
type Hooks = {
  __fakeLab: {
    setMissingIbRep(h: string, on: boolean): void
    setFatal(h: string, on: boolean): void
    flood(bytes: number): boolean
    stats: { acked: number; sent: number; ackLines: number; interrupts: number }
  }
}

export async function journeys(s: ConsoleSession, out: string): Promise<void> {
  const { page } = s
  const hosts = new HostListPage(page)
  await hosts.connect('lab-01')
  const pf = new EswitchPanel(page)
  await pf.open()
  let dialog = await pf.switchMode('switchdev')
  expect(await dialog.commands()).toEqual([
    'devlink dev eswitch set pci/0000:08:00.0 mode switchdev',
  ])
  await expect(dialog.confirmation()).toContainText('lab-01')
  await dialog.confirmAndClose()
  await expect(pf.mode()).toContainText('switchdev')
  await (await pf.setVfCount(4)).confirmAndClose()
  const table = new RepresentorsTable(page, pf.region)
  await expect(table.rowsWith('pcivf')).toHaveCount(4)
  dialog = await table.vfAction('Reset', 0)
  // The engine's own plan(): the VF, and its representor whose link follows it.
  expect(await dialog.blastRadius()).toEqual([
    'vf 0000:08:00.2 — enp8s0f0v0',
    'representor enp8s0f0npf0vf0 — link state follows the VF',
  ])
  await dialog.run()
  // The highlight lasts 2 s from the snapshot change, which may come before the result dialog.
  await expect(table.changedRows()).toHaveCount(1)
  await dialog.expectOkAndClose()
  dialog = await pf.healthAction('Diagnose', 'fw')
  await dialog.run()
  await expect(dialog.output()).toContainText('Syndrome: 0')
  await dialog.close()
  const trace = new TracePane(page)
  await trace.waitForText('mlx5_fw')
  await (await trace.enableTracer()).confirmAndClose()
  await page.evaluate(() => (window as unknown as Hooks).__fakeLab.flood(3_000_000))
  await expect
    .poll(() => page.evaluate(() => (window as unknown as Hooks).__fakeLab.stats.acked), {
      timeout: 20_000,
    })
    .toBeGreaterThanOrEqual(3_000_000)
  await page.evaluate(() => (window as unknown as Hooks).__fakeLab.setMissingIbRep('lab-01', true))
  await expect(pf.topology().getByRole('img', { name: /IB rep missing/ })).toHaveCount(1)
  await page.screenshot({ path: `${out}/journey-devices.png` })

  const drills = new DrillRunView(page)
  await drills.open()
  await drills.pick('Late IB representors')
  await drills.start({ iterations: 3 })
  expect(await drills.waitForEnd()).toBe('failed')
  await expect(drills.findings()).toHaveCount(1)
  const download = await drills.export('JUnit')
  expect(download.suggestedFilename()).toMatch(/\.xml$/)
  await page.screenshot({ path: `${out}/journey-drill.png` })
  await expect((await drills.history()).getByRole('row')).toHaveCount(2)
}

export async function hostKeysAndReadOnly(s: ConsoleSession, out: string): Promise<void> {
  const { page } = s
  const hosts = new HostListPage(page)
  await page.getByRole('tab', { name: 'Devices' }).click()
  await hosts.connect('new-03', { waitReady: false })
  await expect(hosts.unknownKeyDialog().getByLabel('SHA256 fingerprint')).toContainText('SHA256:')
  await hosts.answerUnknownKey(true)
  await expect(hosts.host('new-03')).toContainText('connected')
  await hosts.connect('moved-04', { waitReady: false })
  const refusal = hosts.changedKeyDialog()
  await expect(refusal.getByLabel('Recorded fingerprint')).toBeVisible()
  // A key of another type for a known host is a changed key (issue 20): the dialog says so.
  await expect(refusal).toContainText('REMOTE HOST IDENTIFICATION HAS CHANGED')
  await expect(refusal).toContainText(
    'it now offers a key of type ecdsa-sha2-nistp256 where ssh-ed25519 is on record',
  )
  await expect(refusal).toContainText('On record (ssh-ed25519)')
  await expect(refusal.getByRole('button', { name: /trust|accept|connect/i })).toHaveCount(0)
  await page.screenshot({ path: `${out}/journey-changed-key.png` })
  await refusal.getByRole('button', { name: 'Close', exact: true }).click()
  await expect(hosts.host('moved-04')).toContainText('ssh-hostkey-changed')
  await hosts.connect('lab-02')
  await expect(hosts.readOnlyFlag()).toBeVisible()
  const pf = new EswitchPanel(page)
  await pf.open()
  await expect(pf.panel.getByRole('button', { name: 'Set E-Switch mode' })).toBeDisabled()
  await expect(pf.controls.getByRole('button', { name: 'Devlink reload' })).toBeDisabled()
  await hosts.addHost({ id: 'lab-09', host: '10.0.0.9', user: 'root', group: 'rack-c' })
  await expect(hosts.host('lab-09')).toContainText('root@10.0.0.9:22')
  await hosts.search('rack-c')
  await expect(hosts.nav.getByRole('button', { name: /^Host / })).toHaveCount(1)
  await hosts.search('')
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
  await page.keyboard.press('Shift+?')
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible()
  await page.keyboard.press('Escape')
}

export async function bigTable(s: ConsoleSession, out: string): Promise<void> {
  const { page } = s
  const hosts = new HostListPage(page)
  await hosts.connect('big-01')
  const pf = new EswitchPanel(page)
  await pf.open()
  const table = new RepresentorsTable(page, pf.region)
  expect(await table.totalRows()).toBe(2000)
  expect(await table.rows().count()).toBeLessThan(80)
  const m = await table.measureScroll(150)
  console.log(
    `2,000-row scroll: longest frame ${m.longestFrameMs.toFixed(1)} ms, median ${m.medianFrameMs.toFixed(1)} ms, p95 ${m.p95FrameMs.toFixed(1)} ms over ${m.frames} frames; last row ${m.lastRowIndex}; worst ${JSON.stringify(m.worst)}`,
  )
  expect(m.lastRowIndex).toBe(2001)
  // Rows are recycled through a block sized from the box's height: after the user resizes the
  // box, the rows in view are rendered, once each, in order.
  for (const [height, top] of [
    [431, 2613],
    [416, 2613],
    [300, 26_000],
    [700, 13],
    [420, 0],
  ] as const) {
    const { visible, rendered } = await table.viewAt(height, top)
    expect(rendered).toEqual([...rendered].sort((a, b) => a - b))
    expect(new Set(rendered).size).toBe(rendered.length)
    expect(rendered).toEqual(expect.arrayContaining(visible))
  }
  // A focused VF action does not follow its <tr> to another row when the row scrolls out.
  const reset0 = table.table.getByRole('button', { name: /^Reset VF 0 / })
  await reset0.focus()
  await table.viewAt(420, 26_000)
  await expect(reset0).toHaveCount(0)
  await expect(table.scroller).toBeFocused()
  await table.filter('pf0sf199')
  expect(await table.totalRows()).toBe(3) // pf0sf199, pf0sf1990, pf0sf1991
  await table.filter('')
  await table.sortBy('Netdev')
  await expect(table.table.getByRole('columnheader', { name: /Netdev/ })).toHaveAttribute(
    'aria-sort',
    'ascending',
  )
  await page.screenshot({ path: `${out}/journey-big.png` })
}
