import { expect, test } from '@playwright/test'

import { rawCall } from './harness/raw-call'
import { useSharedConsole } from './harness/shared-page'
import { saveScreenshot } from './harness/screenshots'
import { BroadcastView, HostListPage } from './pages'

// Issue 18, Broadcast, on the real back end (three labsim hosts in their own process → SSH →
// main → WebSocket → Chromium): one command on an explicit set of hosts, shown and confirmed
// before anything is sent; results per host as each finishes (exit code, duration, output
// truncated with a marker); a per-host timeout; cancel one host or all; read-only hosts can be
// neither chosen nor sent to; every host's run is in the audit log with its exact command.

const shared = useSharedConsole(['--sim', '3'])
const errors = shared.errors
test.beforeAll(async () => {
  const page = shared.page
  const hosts = new HostListPage(page)
  for (const h of ['sim-a', 'sim-b', 'sim-c']) await hosts.connect(h)
  await hosts.setReadOnly(true)
})

const COMMAND =
  'uname -n; devlink dev eswitch show pci/0000:08:00.0; ' +
  '[ "$(uname -n)" = sim-b ] && sleep 60; seq 1 20000'

test('one command on the chosen hosts: confirmed first, then a grid filled per host', async ({}, testInfo) => {
  const page = shared.page
  const b = new BroadcastView(page)
  await b.open()
  // sim-c is read-only: it cannot be chosen.
  await expect(b.hostBox('sim-c')).toBeDisabled()
  await b.chooseHosts(['sim-a', 'sim-b'])

  // The exact command and the set are shown before anything is sent; Cancel sends nothing.
  await b.review(COMMAND, 15)
  expect(await b.confirmedCommand()).toBe(COMMAND)
  expect(await b.confirmedHosts()).toEqual(['sim-a', 'sim-b'])
  await b.dismiss()
  await expect(b.grid).toHaveCount(0)

  await b.review(COMMAND, 15)
  await b.run()
  // sim-a's answer is in while sim-b still runs (it sleeps past its timeout).
  await expect(b.cell('sim-a', 'Status')).toHaveText('ok', { timeout: 30_000 })
  await expect(b.cell('sim-b', 'Status')).toHaveText('running')
  await expect(b.cell('sim-a', 'Exit code')).toHaveText('0')
  await expect(b.cell('sim-a', 'Output')).toContainText('sim-a')
  await expect(b.cell('sim-a', 'Output')).toContainText('mode legacy')
  // 20,000 lines are more than a host keeps: the output is cut with a marker naming the sizes.
  await expect(b.cell('sim-a', 'Output')).toContainText(
    /output truncated: first 64 KiB of [\d.]+ KiB/,
  )
  await expect(b.cell('sim-b', 'Status')).toHaveText('timed out', { timeout: 40_000 })
  await expect(b.cell('sim-b', 'Exit code')).toHaveText('—')
  await expect(b.cell('sim-b', 'Duration')).toHaveText(/^1[5-9]\.\d s$/)
  await expect(b.cell('sim-b', 'Output')).toContainText('sim-b')
  await expect(b.cell('sim-b', 'Output')).toContainText('timed out: remote command killed')
  // The grid with the terminals hidden (Alt+T), as README shows it.
  await page.getByRole('button', { name: 'Terminals', exact: true }).click()
  await saveScreenshot(page, testInfo, 'broadcast-grid.png')
  await page.getByRole('button', { name: 'Terminals', exact: true }).click()

  // Each host's run is audited as a mutation with the exact command and its exit code.
  await new HostListPage(page).select('sim-a')
  await page.getByRole('tab', { name: 'Audit' }).click()
  const audit = page.getByRole('table', { name: 'Audit log' })
  const row = audit.getByRole('row').filter({ hasText: 'broadcast' }).first()
  await expect(row).toContainText('ok')
  await row.getByText(/command\(s\)/).click()
  await expect(row).toContainText(`$ ${COMMAND} → exit 0`)
  expect(errors).toEqual([])
})

test('cancel one host or all; the back end refuses read-only hosts and unconfirmed sends', async () => {
  const page = shared.page
  const b = new BroadcastView(page)
  await b.open()
  await b.chooseHosts(['sim-a', 'sim-b'])
  await b.review('echo started; sleep 120', 300)
  await b.run()
  await expect(b.cell('sim-a', 'Status')).toHaveText('running')
  await expect(b.cell('sim-b', 'Status')).toHaveText('running')
  await b.cancel('sim-b')
  await expect(b.cell('sim-b', 'Status')).toHaveText('cancelled')
  await expect(b.cell('sim-a', 'Status')).toHaveText('running')
  await b.cancel()
  await expect(b.cell('sim-a', 'Status')).toHaveText('cancelled')

  const refused = await rawCall(page, 'broadcast:start', {
    hostIds: ['sim-a', 'sim-c'],
    command: 'echo should-not-run',
    timeoutMs: 10_000,
    confirmed: true,
  })
  expect(refused).toMatchObject({ ok: false, error: { code: 'read-only' } })
  if (!refused.ok) expect(refused.error.message).toContain('sim-c')
  const unconfirmed = await rawCall(page, 'broadcast:start', {
    hostIds: ['sim-a'],
    command: 'echo should-not-run',
    timeoutMs: 10_000,
  })
  expect(unconfirmed).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
  expect(errors).toEqual([])
})
