import { readdir, symlink } from 'node:fs/promises'
import { join } from 'node:path'

import { expect, test } from '@playwright/test'

import { connect, exec } from '../integration/labsim/ssh-helpers'
import { rawCall } from './harness/raw-call'
import { useSharedConsole } from './harness/shared-page'
import { saveScreenshot } from './harness/screenshots'
import { EswitchPanel, HostListPage, LogBrowser, TerminalWorkspace, TracePane } from './pages'

// Issue 18, problem 5 ("terminals that are not a lab terminal") on the real back end: labsim in
// its own process (two hosts) → SSH → main → WebSocket → xterm in Debian's Chromium. Streams
// keep running when the user switches hosts (no dmesg replay, no new log file, no devlink event
// lost); search counts matches and breaks no CSP rule; Tab can leave a pane; any number of
// shells live in tabs; a tab splits (trace beside dmesg, two hosts side by side); past session
// logs can be browsed read-only, and the back end refuses paths outside the host's log folder.

const shared = useSharedConsole(['--sim', '2'])
const errors = shared.errors
test.beforeAll(async () => {
  const page = shared.page
  await new HostListPage(page).connect('sim-a')
})

/** Runs a command on a labsim host over its own SSH connection (another engineer's terminal). */
async function onHost(name: string, command: string): Promise<string> {
  const info = shared.server.hosts.find((h) => h.name === name)!
  const client = await connect({ ...info, host: '127.0.0.1', user: 'root' })
  try {
    const out = await exec(client, command)
    expect(out.code, `${command}: ${out.stderr}`).toBe(0)
    return out.stdout
  } finally {
    client.end()
  }
}

async function logFiles(host: string): Promise<string[]> {
  return (await readdir(join(shared.server.dataDir, 'logs', host))).sort()
}

/** The log path a pane's status line names (`open · log <path>`). */
async function logPathOf(pane: TracePane): Promise<string> {
  await expect(pane.status()).toContainText(' log ', { timeout: 30_000 })
  return ((await pane.status().textContent()) ?? '').replace(/^.* log /, '').trim()
}

test('streams keep running across a host switch: no dmesg replay, no new log, no lost event', async () => {
  const page = shared.page
  const hosts = new HostListPage(page)
  const dmesg = new TracePane(page, 'dmesg')
  await dmesg.open()
  const dmesgLog = await logPathOf(dmesg)
  const monitor = new TracePane(page, 'devlink monitor')
  await monitor.open()
  const monitorLog = await logPathOf(monitor)
  const before = await logFiles('sim-a')

  // The user looks at sim-b; meanwhile sim-a's E-Switch goes to switchdev and gets two VFs,
  // which adds VF representor ports (devlink monitor) and kernel lines (dmesg).
  await hosts.connect('sim-b')
  await onHost(
    'sim-a',
    'devlink dev eswitch set pci/0000:08:00.0 mode switchdev && ' +
      'echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs',
  )
  await hosts.select('sim-a')

  await monitor.open()
  expect(await logPathOf(monitor)).toBe(monitorLog)
  await monitor.waitForText('[port,new]')
  await dmesg.open()
  expect(await logPathOf(dmesg)).toBe(dmesgLog)
  await dmesg.waitForText('E-Switch')
  expect(await logFiles('sim-a')).toEqual(before)
  // The boot banner was printed once: the pane was not reopened (dmesg -w replays the ring).
  await dmesg.find('Linux version')
  await expect(dmesg.matches()).toHaveText('1 of 1')
  expect(errors).toEqual([])
})

test('search counts matches, follows new output, and breaks no CSP rule', async () => {
  const page = shared.page
  const shell = new TracePane(page, 'Shell')
  await shell.open()
  await expect(shell.status()).toContainText('open', { timeout: 30_000 })
  // The typed line spells the word in two pieces, so only the output matches.
  await shell.type('for i in $(seq 1 37); do echo "nee""dle-$i"; done\n')
  await shell.waitForText('needle-37')
  await shell.find('needle-')
  // The match is selected (xterm's DOM renderer styles those cells) and, once painted, no style
  // was refused by the page's CSP.
  await expect(shell.output.locator('.xterm-selection div').first()).toBeAttached()
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 100))))
  expect(errors.filter((e) => /Content Security Policy|style-src/.test(e))).toEqual([])
  // Every match is decorated, not only the selected one.
  await expect(shell.output.locator('.xterm-find-result-decoration').first()).toBeAttached()
  await expect(shell.matches()).toHaveText(/^\d+ of 37$/)
  const first = (await shell.matches().textContent()) ?? ''
  await shell.searchBox().press('Enter')
  await expect(shell.matches()).not.toHaveText(first)
  await expect(shell.matches()).toHaveText(/^\d+ of 37$/)
  // New output that matches is counted while the search stays open.
  await shell.type('echo "nee""dle-x"; echo "nee""dle-y"\n')
  await shell.waitForText('needle-y')
  await expect(shell.matches()).toHaveText(/^\d+ of 39$/)
  await shell.find('no-such-word')
  await expect(shell.matches()).toHaveText('No matches')
  expect(errors).toEqual([])
})

test('keyboard focus can leave a pane: Tab in a log pane, Ctrl+M then Tab in a shell', async () => {
  const page = shared.page
  const ws = new TerminalWorkspace(page)
  const trace = new TracePane(page, 'Firmware trace')
  await trace.open()
  await trace.focus()
  await page.keyboard.press('Tab')
  await expect(trace.input()).not.toBeFocused()
  expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe('BODY')

  const shell = new TracePane(page, 'Shell')
  await shell.open()
  await shell.focus()
  await expect(ws.focusHint()).toContainText('Ctrl+M')
  await expect(ws.focusHint()).toContainText('Tab moves focus: off')
  // Tab belongs to the shell (completion) until the user says otherwise…
  await page.keyboard.press('Tab')
  await expect(shell.input()).toBeFocused()
  // …Ctrl+M toggles "Tab moves focus", as in VS Code.
  await page.keyboard.press('Control+m')
  await expect(ws.focusHint()).toContainText('Tab moves focus: on')
  await page.keyboard.press('Tab')
  await expect(shell.input()).not.toBeFocused()
  await page.keyboard.press('Shift+Tab')
  await expect(shell.input()).toBeFocused()
  await page.keyboard.press('Control+m')
  await expect(ws.focusHint()).toContainText('Tab moves focus: off')
  await page.keyboard.press('Tab')
  await expect(shell.input()).toBeFocused()
  expect(errors).toEqual([])
})

test('any number of shells live in tabs, each its own session and log', async () => {
  const page = shared.page
  const ws = new TerminalWorkspace(page)
  await ws.newTab('sim-a', 'Shell')
  await ws.newTab('sim-a', 'Shell')
  const two = new TracePane(page, 'Shell 2', { host: 'sim-a' })
  const three = new TracePane(page, 'Shell 3', { host: 'sim-a' })
  expect(await ws.tabLabels()).toEqual(
    expect.arrayContaining(['sim-a Shell', 'sim-a Shell 2', 'sim-a Shell 3']),
  )
  await three.open()
  await expect(three.status()).toContainText('open', { timeout: 30_000 })
  await three.type('X=alpha; echo "x=$X."\n')
  await three.waitForText('x=alpha.')
  const threeLog = await logPathOf(three)
  await two.open()
  await expect(two.status()).toContainText('open', { timeout: 30_000 })
  await two.type('echo "x=$X."\n')
  await two.waitForText('x=.')
  await expect(two.output).not.toContainText('x=alpha.')
  expect(await logPathOf(two)).not.toBe(threeLog)
  await three.open()
  await expect(three.output).toContainText('x=alpha.')
  // Closing a tab closes its shell; the others keep theirs.
  await ws.closeTab('sim-a Shell 3')
  await two.open()
  await expect(two.status()).toContainText('open')
  expect(errors).toEqual([])
})

test('a tab splits: the trace beside dmesg, and two hosts side by side', async ({}, testInfo) => {
  const page = shared.page
  const ws = new TerminalWorkspace(page)
  // Something to watch: sim-a's PF goes to 4 VFs (kernel lines, firmware events).
  const pf = new EswitchPanel(page)
  await pf.open()
  await (await pf.setVfCount(4)).confirmAndClose()

  const trace = new TracePane(page, 'Firmware trace', { host: 'sim-a' })
  await trace.open()
  await ws.split('sim-a', 'dmesg')
  const dmesg = new TracePane(page, 'dmesg 2', { host: 'sim-a' })
  await expect(ws.tab('sim-a Firmware trace | sim-a dmesg 2')).toHaveAttribute(
    'aria-selected',
    'true',
  )
  await expect(trace.output).toBeVisible()
  await expect(dmesg.output).toBeVisible()
  await dmesg.waitForText('mlx5_core')
  expectApart((await trace.panel.boundingBox())!, (await dmesg.panel.boundingBox())!)
  await ws.maximize(true)
  await trace.waitForText('mlx5_fw')
  await saveScreenshot(page, testInfo, 'terminal-split.png')
  await ws.maximize(false)

  // Two hosts side by side: a shell on each, one command, both answers on screen at once.
  await ws.newTab('sim-a', 'Shell')
  await ws.split('sim-b', 'Shell')
  const a = new TracePane(page, 'Shell 3', { host: 'sim-a' })
  const b = new TracePane(page, 'Shell', { host: 'sim-b' })
  for (const [pane, host] of [
    [a, 'sim-a'],
    [b, 'sim-b'],
  ] as const) {
    await expect(pane.status()).toContainText('open', { timeout: 30_000 })
    await pane.type('echo "host=$(uname -n)."\n')
    await pane.waitForText(`host=${host}.`)
  }
  await expect(a.output).toBeVisible()
  await expect(b.output).toBeVisible()
  expectApart((await a.panel.boundingBox())!, (await b.panel.boundingBox())!)
  expect(errors).toEqual([])
})

test('past session logs are listed and shown read-only; other paths are refused', async () => {
  const page = shared.page
  const ws = new TerminalWorkspace(page)
  await ws.newTab('sim-a', 'Session logs')
  const logs = new LogBrowser(page, 'sim-a')
  await expect(logs.table).toBeVisible()
  const names = await logs.fileNames()
  expect(names.length).toBe((await logFiles('sim-a')).length)
  expect(names.some((n) => n.startsWith('dmesg'))).toBe(true)
  expect(names.some((n) => n.startsWith('shell'))).toBe(true)
  const file = await logs.open(/^dmesg/)
  // The whole file fits one window; the viewer opens at its end, as recorded (timestamped).
  await expect(logs.range()).toContainText(/^bytes 0–[\d,]+ of [\d,]+$/)
  await expect(logs.viewer(file)).toContainText(/\d{4}-\d\d-\d\dT[\d:.]+Z \[ *[\d.]+\] mlx5_core/)
  // Search finds the boot banner (scrolled into view) once: the log holds one boot, no replay.
  await logs.find(file, 'Linux version')
  await expect(logs.matches(file)).toHaveText('1 of 1')
  await expect(logs.viewer(file)).toContainText('Linux version')
  await logs.back()

  // The back end reads only regular files directly inside <data dir>/logs/<host>/.
  await symlink(
    join(shared.server.dataDir, 'hosts.json'),
    join(shared.server.dataDir, 'logs', 'sim-a', 'x.log'),
  )
  for (const [hostId, name] of [
    ['sim-a', '../hosts.json'],
    ['sim-a', '/etc/passwd'],
    ['sim-a', 'x.log'],
    ['sim-a', '..'],
  ]) {
    const r = await rawCall(page, 'logs:read', { hostId, name })
    expect(r.ok, `${hostId}/${name}`).toBe(false)
    if (!r.ok) expect(r.error.code).toBe('invalid-request')
  }
  await logs.refresh()
  expect(await logs.fileNames()).not.toContain('x.log')
  expect(errors).toEqual([])
})

/** Two panes on screen at once, side by side or one above the other, not overlapping. */
function expectApart(
  a: { x: number; y: number; width: number; height: number },
  b: { x: number; y: number; width: number; height: number },
): void {
  const sideBySide = a.x + a.width <= b.x + 1 || b.x + b.width <= a.x + 1
  const stacked = a.y + a.height <= b.y + 1 || b.y + b.height <= a.y + 1
  expect(sideBySide || stacked, JSON.stringify({ a, b })).toBe(true)
  expect(Math.min(a.width, b.width)).toBeGreaterThan(200)
  expect(Math.min(a.height, b.height)).toBeGreaterThan(120)
}
