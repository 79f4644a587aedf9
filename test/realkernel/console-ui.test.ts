import { spawn, type ChildProcess } from 'node:child_process'
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'

import { CHROMIUM, CHROMIUM_ARGS } from '../bench/browser'
import { NSIM, resetNetdevsim, resetNvmePf } from '../helpers/netdevsim-state'
import { NVME_PF } from '../helpers/netdevsim-vm'
import { poll } from '../helpers/poll'
import { dataDir, describeRealKernel } from '../helpers/realkernel'

// The console itself on Debian's kernel: `replab serve` (browser mode) with the VM in its
// inventory, driven in Debian's Chromium at 1600×1000. netdevsim10 shows its E-Switch and
// representors; the NVMe PF, which has SR-IOV but no devlink, shows its VFs with only the
// controls that apply (devlink ones disabled, saying why).
describeRealKernel('the console on a real kernel (Chromium, browser mode)', (vm) => {
  let server: ChildProcess
  let browser: Browser
  let page: Page
  beforeAll(async () => {
    await resetNetdevsim(vm(), { vfs: 4, mode: 'switchdev' })
    await resetNvmePf(vm(), 4)
    const dir = await dataDir()
    await writeFile(
      join(dir, 'hosts.json'),
      JSON.stringify({
        version: 1,
        hosts: [
          {
            ...{ id: 'vm', name: 'netdevsim-lab', host: '127.0.0.1', port: vm().port },
            ...{ user: 'root', identityFile: vm().identityFile, readOnly: false, simulated: false },
          },
        ],
      }),
    )
    await copyFile(vm().knownHosts, join(dir, 'known_hosts'))
    const url = await serve(dir, (child) => (server = child))
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
    await page.goto(url)
  })
  afterAll(async () => {
    await browser?.close()
    server?.kill('SIGTERM')
  })

  it('connects, shows netdevsim10 in switchdev with its four representors', async () => {
    const host = page.getByRole('navigation', { name: 'Hosts' }).getByRole('button', {
      name: 'Host netdevsim-lab',
      exact: true,
    })
    await host.click()
    await page.getByRole('button', { name: 'Connect', exact: true }).click()
    await poll(async () => /connected/.test(await host.innerText()), {
      timeoutMs: 60_000,
      what: 'the VM connected in the console',
    })
    await page.getByRole('button', { name: `PF ${NSIM}` }).click()
    const esw = page.getByRole('region', { name: `E-Switch ${NSIM}` })
    await poll(
      async () => (await esw.getByLabel('E-Switch mode now').innerText()) === 'switchdev',
      {
        timeoutMs: 30_000,
        what: 'switchdev shown for netdevsim10',
      },
    )
    expect(await esw.getByLabel('VFs enabled').innerText()).toBe('4 / 4')
    const table = page.getByRole('table', { name: 'Representors' })
    for (const n of ['eni10npf0vf0', 'eni10npf0vf3'])
      await poll(async () => (await table.innerText()).includes(n), { what: `${n} listed` })
    await mkdir('test-results', { recursive: true })
    await page.screenshot({ path: 'test-results/realkernel-netdevsim.png' })
  })

  it('shows the NVMe PF with its VFs, Unbind, and devlink controls disabled with the reason', async () => {
    await page.getByRole('button', { name: `PF pci/${NVME_PF}` }).click()
    const panel = page.getByRole('region', { name: `E-Switch pci/${NVME_PF}` })
    await poll(async () => (await panel.getByLabel('VFs enabled').innerText()) === '4 / 4', {
      timeoutMs: 30_000,
      what: 'the NVMe PF with 4 of 4 VFs',
    })
    expect(await panel.getByRole('heading').first().innerText()).toBe('SR-IOV')
    expect(await panel.getByRole('button', { name: 'Set E-Switch mode' }).count()).toBe(0)
    expect(await panel.getByRole('button', { name: 'Set VF count' }).isEnabled()).toBe(true)
    const controls = page.getByRole('region', { name: `Controls pci/${NVME_PF}` })
    expect(await controls.getByRole('button', { name: 'Unbind PF' }).isEnabled()).toBe(true)
    const reload = controls.getByRole('button', { name: 'Devlink reload' })
    expect(await reload.isDisabled()).toBe(true)
    expect(await reload.getAttribute('title')).toMatch(
      /needs a devlink instance; .*nvme.* has none/,
    )
    // Nothing the console asked of this host was refused as malformed (a pane opened in a
    // collapsed dock once asked for a 1-column terminal).
    expect(await page.locator('body').innerText()).not.toMatch(/invalid-request/)
    await page.screenshot({ path: 'test-results/realkernel-nvme.png' })
  })
})

/** Starts `replab serve --sim 0` on `dir`; resolves with the one-time URL it prints. */
async function serve(dir: string, keep: (child: ChildProcess) => void): Promise<string> {
  const child = spawn(
    process.execPath,
    ['bin/replab.mjs', 'serve', '--sim', '0', '--json', '--data-dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  keep(child)
  let output = ''
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
  const lines = createInterface({ input: child.stdout! })
  return new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`replab serve exited ${code}: ${output}`)))
    lines.on('line', (line) => {
      try {
        const url = (JSON.parse(line) as { url?: string }).url
        if (url) resolve(url)
      } catch {
        output += `${line}\n`
      }
    })
  })
}
