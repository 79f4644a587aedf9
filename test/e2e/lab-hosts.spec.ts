import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { expect, test, type Page } from '@playwright/test'

import { labsimExec } from '../helpers/labsim-exec'
import { startTcpProxy } from '../helpers/tcp-proxy'

import type { ConsoleServer } from './console-server'
import { useLabsimPage } from './harness/labsim-page'
import { DrillRunView, EswitchPanel, HostListPage, RepresentorsTable } from './pages'
import { HostAdmin } from './pages/host-admin'
import { ensureConnected } from './pages/host-list'

// Issue 18 on the real back end at 1600×1000: (3) the layout gives the table and the terminals
// their room, (4) hosts can be managed as in Tabby or electerm, and the fleet overview: every
// host's cards, modes, VF counts and unhealthy reporters, and drills that finish elsewhere.

const lab = useLabsimPage()
let server: ConsoleServer
let page: Page
let scratch: string
test.beforeAll(async () => {
  server = lab.server
  page = lab.page
  scratch = await mkdtemp(join(tmpdir(), 'replab-e2e-hosts-'))
})
test.afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

const PF0 = 'pci/0000:08:00.0'

test('3: every representors column, reporter action and drill title is in sight with the dock open', async () => {
  const hosts = new HostListPage(page)
  await ensureConnected(hosts, 'sim-a')
  const pf0 = new EswitchPanel(page, PF0)
  await pf0.open()
  await (await pf0.switchMode('switchdev')).confirmAndClose()
  await (await pf0.setVfCount(2)).confirmAndClose()
  const table = new RepresentorsTable(page, pf0.region)
  await expect(table.rowsWith('pcivf')).toHaveCount(2)
  const dock = page.getByRole('complementary', { name: 'Terminals' })
  await expect(dock).toBeVisible()
  // Every column fits in the table's box: nothing needs a horizontal scroll.
  await table.table.scrollIntoViewIfNeeded()
  const fit = await table.scroller.evaluate((el) => {
    const box = el.getBoundingClientRect()
    const right = Math.min(box.left + el.clientWidth, window.innerWidth)
    return Array.from(el.querySelectorAll('th, tbody tr:first-child td, button')).map((c) => ({
      name: (c.getAttribute('aria-label') ?? c.textContent ?? '').trim(),
      right: c.getBoundingClientRect().right,
      fits: c.getBoundingClientRect().right <= right + 1,
    }))
  })
  expect(fit.filter((c) => !c.fits)).toEqual([])
  expect(fit.map((c) => c.name)).toEqual(
    expect.arrayContaining(['IB rep', 'VF BDF', 'VF driver', 'Link', 'MAC', 'Actions']),
  )
  await expect(table.table.getByRole('button', { name: /^Reset VF 0 / })).toBeVisible()
  // README's device-view picture: `REPLAB_SCREENSHOTS=1 npx playwright test lab-hosts -g "^3"`.
  if (process.env.REPLAB_SCREENSHOTS) {
    await table.scroller.evaluate((el) => el.parentElement?.scrollIntoView({ block: 'end' }))
    await page.screenshot({ path: 'docs/screenshots/device-view.png' })
  }
  // Columns are hidden by the user, not by the layout.
  await pf0.region.getByRole('button', { name: 'Columns' }).click()
  await page.getByRole('menuitemcheckbox', { name: 'MAC' }).click()
  await expect(table.table.getByRole('columnheader', { name: 'MAC' })).toHaveCount(0)
  await page.getByRole('menuitemcheckbox', { name: 'MAC' }).click()
  await page.keyboard.press('Escape')
  await expect(table.table.getByRole('columnheader', { name: 'MAC' })).toHaveCount(1)
  // Health reporter actions are never clipped.
  for (const action of ['Recover', 'Dump', 'Diagnose']) {
    const buttons = pf0.health.getByRole('button', { name: new RegExp(`^${action} `) })
    expect(await buttons.count()).toBeGreaterThan(0)
    for (const b of await buttons.all()) {
      await b.scrollIntoViewIfNeeded()
      expect(await b.evaluate(unclipped)).toBe(true)
    }
  }
  // Panes resize and collapse.
  const sep = page.getByRole('separator', { name: 'Resize terminals' })
  const before = (await dock.boundingBox())!
  await sep.focus()
  for (let i = 0; i < 5; i++)
    await page.keyboard.press(before.height > before.width ? 'ArrowLeft' : 'ArrowUp')
  const after = (await dock.boundingBox())!
  expect(after.height * after.width).toBeGreaterThan(before.height * before.width)
  const main = page.getByRole('main', { name: 'Host' })
  const wide = (await main.boundingBox())!.width
  await page.getByRole('button', { name: 'Hide hosts' }).click()
  expect((await main.boundingBox())!.width).toBeGreaterThan(wide + 100)
  await page.getByRole('button', { name: 'Show hosts' }).click()
  await expect(hosts.nav).toBeVisible()
  // Drill titles stay inside their cards.
  const drills = new DrillRunView(page)
  await drills.open()
  const titles = page
    .getByRole('region', { name: 'Drill list' })
    .getByRole('button', { name: /^Drill / })
  await expect(titles.nth(3)).toBeVisible()
  for (const t of await titles.all()) expect(await t.evaluate(noOverflow)).toBe(true)
})

test('4: addresses are validated at entry, and a failed connect says so once', async () => {
  const admin = new HostAdmin(page)
  const add = await admin.openAdd()
  await admin.fill(add, { id: 'bad-01', host: '10.0.0.999', user: 'root' })
  await expect(add.getByText(/10\.0\.0\.999 is not a valid IPv4 address/)).toHaveCount(1)
  await expect(add.getByLabel('Address', { exact: true })).toHaveAttribute('aria-invalid', 'true')
  await add.getByRole('button', { name: 'Add host' }).click()
  await expect(add).toBeVisible()
  await expect(admin.hosts.host('bad-01')).toHaveCount(0)
  await admin.fill(add, { host: '127.0.0.1', port: 1 })
  await expect(add.getByLabel('Address', { exact: true })).not.toHaveAttribute(
    'aria-invalid',
    'true',
  )
  await admin.save(add)
  await admin.hosts.connect('bad-01', { waitReady: false })
  await expect(admin.hosts.host('bad-01')).toContainText('failed')
  await expect(page.getByText(/ECONNREFUSED/)).toHaveCount(1)
})

test('4: hosts are edited, duplicated, grouped and removed; jump host, identity and auth per host', async () => {
  const admin = new HostAdmin(page)
  const add = await admin.openAdd()
  await admin.fill(add, {
    id: 'rack-c1',
    host: 'lab-c1.example.net',
    user: 'root',
    port: 2222,
    identityFile: '/keys/lab_ed25519',
    proxyJump: 'admin@bastion.example.net:2200',
    auth: 'publickey',
    group: 'rack-c',
  })
  await admin.save(add)
  await expect(admin.hosts.host('rack-c1')).toContainText('via admin@bastion.example.net:2200')
  await admin.action('rack-c1', 'Edit…')
  const edit = admin.editor('Edit host rack-c1')
  await expect(edit.getByLabel('Jump host', { exact: true })).toHaveValue(
    'admin@bastion.example.net:2200',
  )
  await expect(edit.getByLabel('Authentication')).toHaveValue('publickey')
  await expect(edit.getByLabel('Identity file', { exact: true })).toHaveValue('/keys/lab_ed25519')
  await admin.fill(edit, { name: 'C1 (rebuilt)', group: 'rack-d' })
  await admin.save(edit)
  await expect(
    admin.hosts.nav.getByRole('region', { name: 'Group rack-d' }).getByRole('button', {
      name: 'Host C1 (rebuilt)',
    }),
  ).toBeVisible()
  await admin.action('C1 (rebuilt)', 'Duplicate…')
  const dup = admin.editor('Duplicate host rack-c1')
  await expect(dup.getByLabel('Host id', { exact: true })).toHaveValue('rack-c1-copy')
  await admin.fill(dup, { host: 'lab-c2.example.net', name: 'C2' })
  await admin.save(dup)
  await expect(admin.hosts.host('C2')).toContainText('root@lab-c2.example.net:2222')
  await admin.action('C2', 'Remove…')
  const confirm = page.getByRole('dialog', { name: 'Remove host rack-c1-copy' })
  await confirm.getByRole('button', { name: 'Remove host', exact: true }).click()
  await expect(admin.hosts.host('C2')).toHaveCount(0)
  await expect(admin.hosts.host('C1 (rebuilt)')).toHaveCount(1)
})

test('4: quick connect, the host-key dialog text, and ssh_config import from a chosen file', async () => {
  const admin = new HostAdmin(page)
  const simB = server.hosts.find((h) => h.name === 'sim-b')!
  const cfg = join(scratch, 'lab_ssh_config')
  await writeFile(
    cfg,
    'Host imp-1\n  HostName 10.1.2.3\n  User root\n  Port 2201\n  ProxyJump root@10.1.2.1\n' +
      'Host imp-*\n  User nobody\n',
  )
  const add = await admin.openAdd()
  await add.getByLabel('ssh_config file', { exact: true }).fill(cfg)
  await add.getByRole('button', { name: 'Read file' }).click()
  await add.getByRole('checkbox', { name: /imp-1/ }).check()
  await add.getByRole('button', { name: 'Import 1 selected' }).click()
  await expect(add).toBeHidden()
  await expect(admin.hosts.host('imp-1')).toContainText('root@10.1.2.3:2201 via root@10.1.2.1:22')

  // A target the inventory does not have yet (sim-b behind a forwarder: a new host:port).
  const proxy = await startTcpProxy(simB.port)
  try {
    await admin.quickConnect(`root@127.0.0.1:${proxy.port}`)
    const key = admin.hosts.unknownKeyDialog()
    await expect(key.getByLabel('SHA256 fingerprint')).toContainText(simB.hostKeyFingerprint)
    await expect(key).not.toContainText('jump host')
    await expect(key).toContainText('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub')
    await expect(key).not.toContainText('{')
    await admin.hosts.answerUnknownKey(true)
    const quick = admin.hosts.host(`127.0.0.1:${proxy.port}`)
    await expect(quick).toHaveAttribute('aria-current', 'true')
    // No key of this machine opens labsim: the entry is there to edit, then it connects.
    await expect(quick).toContainText('failed (ssh-auth)', { timeout: 30_000 })
    await admin.action(`127.0.0.1:${proxy.port}`, 'Edit…')
    const edit = admin.editor(/^Edit host 127\.0\.0\.1-/)
    await admin.fill(edit, { identityFile: simB.identityFile })
    await admin.save(edit)
    await page.getByRole('button', { name: 'Connect', exact: true }).click()
    await expect(quick).toContainText('connected', { timeout: 30_000 })
    // The same target again selects the host it made instead of adding another.
    await admin.quickConnect(`root@127.0.0.1:${proxy.port}`)
    await expect(admin.hosts.nav.getByRole('button', { name: /^Host 127\.0\.0\.1:/ })).toHaveCount(
      1,
    )
  } finally {
    await proxy.stop()
  }
})

test('fleet overview: cards, modes, VF counts and unhealthy reporters per host; drills notify', async () => {
  const hosts = new HostListPage(page)
  await ensureConnected(hosts, 'sim-a')
  await ensureConnected(hosts, 'sim-b')
  const simB = server.hosts.find((h) => h.name === 'sim-b')!
  const fleetA = hosts.nav.getByRole('list', { name: 'Fleet summary of sim-a' })
  await expect(fleetA).toContainText('ConnectX-6 Dx')
  await expect(fleetA).toContainText(/08:00\.0\s*(legacy|switchdev)\s*·\s*\d+ VFs/)
  await expect(fleetA).toContainText(/08:00\.1\s*legacy\s*·\s*0 VFs/)
  // An unhealthy reporter on sim-b shows in the list while sim-b is not the host on screen.
  await hosts.select('sim-a')
  await labsimExec(
    simB,
    'devlink health set pci/0000:08:00.1 reporter fw_fatal auto_recover false && ' +
      "echo 'fw-assert pci/0000:08:00.1' > /sys/kernel/debug/labsim/inject",
  )
  await expect(hosts.nav.getByRole('list', { name: 'Fleet summary of sim-b' })).toContainText(
    /fw_fatal error on 08:00\.1/,
    { timeout: 30_000 },
  )

  // A drill on sim-b that ends while sim-a is on screen notifies.
  await hosts.select('sim-b')
  const drills = new DrillRunView(page)
  await drills.open()
  await drills.pick('VF reset isolation')
  await drills.start({ device: PF0, iterations: 1, timeoutMs: 20_000, vfs: 1 })
  await hosts.select('sim-a')
  await page.getByRole('tab', { name: 'Devices' }).click()
  const note = page
    .getByRole('region', { name: 'Notifications' })
    .getByRole('status')
    .filter({ hasText: /Drill VF reset isolation on sim-b (passed|failed|error)/ })
  await expect(note).toBeVisible({ timeout: 180_000 })
  await note.getByRole('button', { name: 'Open run' }).click()
  await expect(hosts.host('sim-b')).toHaveAttribute('aria-current', 'true')
  await expect(drills.run).toBeVisible()
})

/** True when the element's centre is the element itself (not clipped or covered). */
function unclipped(el: Element): boolean {
  const r = el.getBoundingClientRect()
  if (r.width === 0 || r.right > window.innerWidth || r.bottom > window.innerHeight) return false
  const hit = document.elementFromPoint(r.left + r.width - 2, r.top + r.height / 2)
  return hit === el || el.contains(hit)
}

/** True when no text of the element runs past its box. */
function noOverflow(el: Element): boolean {
  const box = el.getBoundingClientRect()
  const parts = [el, ...Array.from(el.querySelectorAll('*'))]
  return parts.every(
    (p) => p.getBoundingClientRect().right <= box.right + 1 && p.scrollWidth <= p.clientWidth + 1,
  )
}
