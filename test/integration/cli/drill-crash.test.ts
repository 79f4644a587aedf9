import { execFile, spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startLab, type Lab } from '../../../labsim'
import { poll } from '../../helpers/poll'

const run = promisify(execFile)
const bin = join(__dirname, '../../../bin/replab.mjs')

// Issue 6: kill the CLI mid-drill (SIGKILL, no chance to clean up). The journal keeps every
// finished step, the run is listed as interrupted, and `drill restore` brings the PF back to
// the state the drill found it in (legacy, 0 VFs) — undoing only what the journal recorded.
describe('replab drill run killed mid-drill', () => {
  let lab: Lab
  let dir: string
  let ssh: string[]

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, profile: 'fixed', speed: 0.1 })
    dir = await mkdtemp(join(tmpdir(), 'replab-crash-'))
    const h = lab.hosts[0]!
    ssh = [
      `root@127.0.0.1:${h.port}`,
      '-i',
      h.identityFile,
      '--known-hosts',
      join(dir, 'known_hosts'),
      '--accept-new',
      '--data-dir',
      dir,
    ]
  })
  afterAll(async () => {
    await lab?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  async function journalLines(): Promise<Array<{ t: string; status?: string }>> {
    const runs = await readdir(join(dir, 'runs')).catch(() => [] as string[])
    if (runs.length === 0) return []
    const text = await readFile(join(dir, 'runs', runs[0]!), 'utf8')
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { t: string })
  }

  it('keeps the finished steps and restores the PF afterwards', async () => {
    const child = spawn(
      process.execPath,
      [
        bin,
        'drill',
        'run',
        'vf-churn',
        ssh[0]!,
        ...ssh.slice(1),
        '--device',
        'pci/0000:08:00.0',
        '--vfs',
        '3',
        '--vfs-alt',
        '2',
        '--yes',
      ],
      { stdio: 'ignore' },
    )
    const exited = new Promise((resolve) => child.once('exit', resolve))
    await poll(async () => (await journalLines()).filter((l) => l.t === 'step').length >= 2, {
      timeoutMs: 90_000,
      what: 'the drill to journal 2 steps',
    })
    child.kill('SIGKILL')
    await exited
    const lines = await journalLines()
    const steps = lines.filter((l) => l.t === 'step')
    expect(steps.length).toBeGreaterThanOrEqual(2)
    expect(lines.some((l) => l.t === 'end')).toBe(false)
    const pf = () =>
      lab
        .host('sim-a')
        .state()
        .pfs.find((p) => p.bdf === '0000:08:00.0')!
    expect(pf().mode === 'switchdev' || pf().numVfs > 0).toBe(true) // the host was left changed

    const history = await run(process.execPath, [
      bin,
      'drill',
      'history',
      '--data-dir',
      dir,
      '--json',
    ])
    const runs = JSON.parse(history.stdout) as Array<{
      runId: string
      status: string
      steps: number
    }>
    expect(runs[0]).toMatchObject({ status: 'interrupted' })
    expect(runs[0]!.steps).toBe(steps.length)

    const restored = await run(
      process.execPath,
      [bin, 'drill', 'restore', runs[0]!.runId, ssh[0]!, ...ssh.slice(1), '--json'],
      { timeout: 120_000 },
    )
    expect(JSON.parse(restored.stdout)).toMatchObject({ status: 'interrupted' })
    expect(pf()).toMatchObject({ mode: 'legacy', numVfs: 0 })
  }, 240_000)
})
