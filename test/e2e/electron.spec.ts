import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { _electron as electron, expect, test } from '@playwright/test'

import { HostListPage, TracePane } from './pages'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** The Electron binary, or null where its download never happened (offline installs). */
function electronBinary(): string | null {
  const dir = join(root, 'node_modules/electron')
  if (!existsSync(join(dir, 'path.txt'))) return null
  const bin = join(dir, 'dist', readFileSync(join(dir, 'path.txt'), 'utf8').trim())
  return existsSync(bin) ? bin : null
}

test('the Electron app opens a sandboxed console on the simulated lab; terminals use the port', async () => {
  const bin = electronBinary()
  test.skip(
    bin === null,
    'SKIPPED: the Electron binary is not installed here (offline npm install cannot download it); browser-mode tests cover the same UI',
  )
  const app = await electron.launch({
    executablePath: bin!,
    args: [join(root, 'out/main/index.cjs')],
  })
  try {
    const window = await app.firstWindow()
    await expect(window.getByRole('navigation', { name: 'Hosts' })).toBeVisible()
    // Sandboxed, context-isolated page: no Node globals, only the contract's window.lab.
    const globals = await window.evaluate(() => {
      const w = window as unknown as { require?: unknown; process?: unknown; lab?: object }
      return {
        require: typeof w.require,
        process: typeof w.process,
        lab: Object.keys(w.lab ?? {}).sort(),
      }
    })
    expect(globals).toEqual({
      require: 'undefined',
      process: 'undefined',
      lab: ['audit', 'drills', 'events', 'hosts', 'ops', 'snapshot', 'terminals'],
    })
    // The simulated lab's hosts are pre-registered.
    await expect(window.getByRole('button', { name: 'Host sim-a' })).toBeVisible({
      timeout: 60_000,
    })
    // Terminal bytes come over the MessagePort (contract/terminal-port.ts), not webContents.send:
    // the page's port client marks <html data-terminal-port> `connected`, then `data` once a
    // chunk arrived on it; main's line counts come the same way and match the pane's.
    await expect(window.locator('html')).toHaveAttribute('data-terminal-port', /^(connected|data)$/)
    await new HostListPage(window).connect('sim-a')
    const dmesg = new TracePane(window, 'dmesg')
    await dmesg.open()
    await dmesg.waitForText('mlx5_core')
    await expect(window.locator('html')).toHaveAttribute('data-terminal-port', 'data')
    expect(await dmesg.waitForCountsEqual()).toBeGreaterThan(0)
  } finally {
    await app.close()
  }
})
