import { expect, test, type Page } from '@playwright/test'

import { labsimExec } from '../helpers/labsim-exec'

import type { ConsoleServer } from './console-server'
import { useLabsimPage } from './harness/labsim-page'
import { DrillRunView, HostListPage } from './pages'

// Issue 21 on the real back end (labsim → SSH → main → WebSocket → Chromium, 1600×1000): a
// drill is planned and confirmed in a dialog naming host and device; a VF in use makes the
// drill refuse until the device name is typed; the audit log holds the drill once with its
// outcome and every command it sent; a step opens in the run view to its commands, exit codes,
// output and snapshot diff.

const lab = useLabsimPage()
let server: ConsoleServer
let page: Page
test.beforeAll(() => {
  server = lab.server
  page = lab.page
})

const PF = 'pci/0000:08:00.0'
const LATE_IB = 'Late mlx5_ib load creates IB representors'

test('the drill plan dialog names host and device and lists steps, commands, blast radius and restore', async () => {
  await new HostListPage(page).connect('sim-a')
  const drills = new DrillRunView(page)
  await drills.open()
  await drills.pick(LATE_IB)
  const dialog = await drills.openPlan({ device: PF, iterations: 1, timeoutMs: 10_000, vfs: 1 })
  await expect(dialog.getByLabel('Confirmation')).toContainText(
    `Run late-ib-reps on ${PF} of host sim-a (root@127.0.0.1:`,
  )
  const steps = dialog.getByRole('list', { name: 'Planned steps' }).getByRole('listitem')
  await expect(steps.first()).toContainText('eswitch mode switchdev')
  await expect(dialog.getByLabel('Commands of eswitch mode switchdev')).toHaveText(
    `devlink dev eswitch set ${PF} mode switchdev`,
  )
  await expect(dialog.getByLabel('Commands of unload mlx5_ib')).toHaveText('modprobe -r mlx5_ib')
  await expect(steps.filter({ hasText: 'IB representors appear' })).toContainText('settle window')
  await expect(
    dialog.getByRole('list', { name: 'Blast radius' }).getByRole('listitem').first(),
  ).toBeVisible()
  await expect(dialog.getByRole('list', { name: 'Restore' })).toContainText(
    `E-Switch mode of ${PF} back to legacy`,
  )
  await expect(dialog.getByLabel('Estimate')).toContainText(/Takes about \d/)
  await page.screenshot({ path: test.info().outputPath('drill-plan.png') })
  // Cancel runs nothing: no run view, the PF still in legacy with no VFs.
  await dialog.getByRole('button', { name: 'Cancel', exact: true }).click()
  await expect(dialog).toBeHidden()
  await expect(drills.run).toHaveCount(0)
  const pf = lab.server.hosts.find((h) => h.name === 'sim-a')!
  expect((await labsimExec(pf, `cat /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs`)).stdout).toBe(
    '0\n',
  )
})

test('a step opened in the run view shows its commands, exit codes, output and snapshot diff', async () => {
  const drills = new DrillRunView(page)
  await drills.start({ device: PF, iterations: 1, timeoutMs: 10_000, vfs: 1 })
  expect(await drills.waitForEnd(120_000)).toBe('passed')
  const detail = await drills.openStep('unload mlx5_ib')
  const commands = detail.getByRole('list', { name: 'Commands and exit codes' })
  await expect(commands).toContainText('$ modprobe -r mlx5_ib')
  await expect(commands).toContainText('exit 0')
  await expect(detail.getByRole('list', { name: 'Snapshot diff' })).toContainText(/→|removed|added/)
  const vfs = await drills.openStep('vf count 1')
  await expect(vfs.getByRole('list', { name: 'Commands and exit codes' })).toContainText(
    'echo 1 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs',
  )
  await expect(drills.timeline()).toContainText('log scale')
  await page.screenshot({ path: test.info().outputPath('drill-step.png') })
})

test('the audit log shows the drill once, with its outcome, and each command it sent', async () => {
  await page.getByRole('tab', { name: 'Audit' }).click()
  const table = page.getByRole('table', { name: 'Audit log' })
  const drill = table.getByRole('row').filter({ hasText: /drill late-ib-reps \(run / })
  await expect(drill).toHaveCount(1, { timeout: 20_000 })
  await expect(drill).toContainText('passed')
  const unload = table.getByRole('row').filter({ hasText: 'module unload mlx5_ib' })
  const load = table.getByRole('row').filter({ hasText: 'module load mlx5_ib' })
  await expect(unload.first()).toContainText('step unload mlx5_ib')
  await expect(load.first()).toContainText('step load mlx5_ib')
  await unload.first().getByText('1 command(s)').click()
  await expect(unload.first()).toContainText('$ modprobe -r mlx5_ib → exit 0')
  const count = table
    .getByRole('row')
    .filter({ hasText: 'step vf count 1' })
    .filter({ hasText: /^.*vf-count.*$/ })
  await expect(count.first()).toContainText('ok')
  // The reads between steps are audited too (the kernel log cursor), with their exit codes.
  await expect(table.getByRole('row').filter({ hasText: 'dmesg read' }).first()).toBeVisible()
  await page.screenshot({ path: test.info().outputPath('drill-audit.png') })
})

test('a VF in use: the plan refuses naming it until the device name is typed', async () => {
  const host = server.hosts.find((h) => h.name === 'sim-a')!
  await labsimExec(host, 'echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
  const vf = (await labsimExec(host, 'readlink /sys/bus/pci/devices/0000:08:00.0/virtfn1')).stdout
    .trim()
    .split('/')
    .pop()!
  await labsimExec(host, `echo ${vf} > /sys/bus/pci/drivers/mlx5_core/unbind`)
  await labsimExec(host, `echo ${vf} > /sys/bus/pci/drivers/vfio-pci/bind`)
  try {
    const drills = new DrillRunView(page)
    await drills.open()
    await drills.pick('VF count churn in switchdev')
    const dialog = await drills.openPlan({ device: PF, vfs: 1, timeoutMs: 10_000 })
    const inUse = dialog.getByRole('group', { name: 'VFs in use' })
    await expect(inUse.getByRole('alert')).toContainText(
      `vf-churn would change the VF count of ${PF} (2 → 0)`,
    )
    await expect(inUse.getByRole('list', { name: 'VFs in use' })).toContainText(
      `${vf} (VF 1): bound to vfio-pci`,
    )
    await expect(
      dialog.getByRole('list', { name: 'Blast radius' }).getByText(/IN USE: bound to vfio-pci/),
    ).toBeVisible()
    const run = dialog.getByRole('button', { name: 'Run anyway' })
    await expect(run).toBeDisabled()
    await inUse.getByLabel('Device name to run anyway').fill('pci/0000:08:00.1')
    await expect(run).toBeDisabled()
    await inUse.getByLabel('Device name to run anyway').fill(PF)
    await expect(run).toBeEnabled()
    await page.screenshot({ path: test.info().outputPath('drill-in-use.png') })
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click()
    await expect(dialog).toBeHidden()
    // Nothing ran: the VF is still bound to vfio-pci and the count is unchanged.
    expect((await labsimExec(host, `readlink /sys/bus/pci/devices/${vf}/driver`)).stdout).toMatch(
      /vfio-pci/,
    )
    expect(
      (await labsimExec(host, 'cat /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')).stdout,
    ).toBe('2\n')
  } finally {
    await labsimExec(host, `echo ${vf} > /sys/bus/pci/drivers/vfio-pci/unbind`)
    await labsimExec(host, 'echo 0 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
  }
})
