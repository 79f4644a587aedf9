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
const PF = '0000:08:00.0'

// Issue 20, "Restore onto the wrong host": a drill killed mid-run on host A, then restored with
// host B as target, used to turn B (switchdev, 6 VFs) into legacy with 0 VFs, print `restored`
// and exit 0. Now the run journals A's target, SHA256 host key and boot id at its start, and
// `drill restore` compares them with the connected host before any command: onto B it refuses
// naming both (exit 1), runs nothing that changes B, journals nothing; onto A it restores.
describe('replab drill restore onto the wrong host', () => {
  let lab: Lab
  let dir: string
  const sshOf = (name: string): string[] => {
    const h = lab.hosts.find((x) => x.name === name)!
    return [
      `root@127.0.0.1:${h.port}`,
      '-i',
      h.identityFile,
      '--known-hosts',
      join(dir, 'known_hosts'),
      '--accept-new',
      '--data-dir',
      dir,
    ]
  }
  const pf = (name: string) =>
    lab
      .host(name)
      .state()
      .pfs.find((p) => p.bdf === PF)!
  const cli = (args: string[]) =>
    run(process.execPath, [bin, ...args], { timeout: 120_000 }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    )

  beforeAll(async () => {
    lab = await startLab({ hosts: 2, profile: 'fixed', speed: 0.1 })
    dir = await mkdtemp(join(tmpdir(), 'replab-wrong-host-'))
  })
  afterAll(async () => {
    await lab?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  async function journal(): Promise<string[]> {
    const runs = await readdir(join(dir, 'runs')).catch(() => [] as string[])
    const name = runs.find((r) => r.endsWith('.jsonl'))
    if (!name) return []
    return (await readFile(join(dir, 'runs', name), 'utf8')).split('\n').filter(Boolean)
  }

  it('refuses host B naming both identities, leaves B untouched, then restores A', async () => {
    // Host B is a hypervisor in switchdev with 6 VFs (VMs would sit on them).
    const [b, ...bOpts] = sshOf('sim-b')
    for (const op of [
      ['eswitch-mode', `pci/${PF}`, 'switchdev'],
      ['vf-count', `pci/${PF}`, '6'],
    ]) {
      const r = await cli(['op', b!, ...op, ...bOpts, '--yes'])
      expect(r.code, r.stderr).toBe(0)
    }
    expect(pf('sim-b')).toMatchObject({ mode: 'switchdev', numVfs: 6 })

    // A drill on host A, killed (SIGKILL) after two journaled steps.
    const [a, ...aOpts] = sshOf('sim-a')
    const child = spawn(
      process.execPath,
      [
        bin,
        'drill',
        'run',
        'vf-churn',
        a!,
        ...aOpts,
        '--device',
        `pci/${PF}`,
        '--vfs',
        '3',
        '--yes',
      ],
      { stdio: 'ignore' },
    )
    const exited = new Promise((resolve) => child.once('exit', resolve))
    await poll(async () => (await journal()).filter((l) => l.includes('"t":"step"')).length >= 2, {
      timeoutMs: 90_000,
      what: 'two journaled steps of the drill on sim-a',
    })
    child.kill('SIGKILL')
    await exited
    expect(pf('sim-a').mode === 'switchdev' || pf('sim-a').numVfs > 0).toBe(true)
    const start = JSON.parse((await journal())[0]!) as {
      runId: string
      target: string
      identity: { hostKey: string; bootId: string }
    }
    const hostA = lab.hosts.find((h) => h.name === 'sim-a')!
    expect(start.target).toBe(`root@127.0.0.1:${hostA.port}`)
    expect(start.identity.hostKey).toBe(hostA.hostKeyFingerprint)
    expect(start.identity.bootId).toBe(lab.host('sim-a').kernel.bootId)

    // Restore with host B as the target: refused before any command that changes B.
    const linesBefore = await journal()
    const logFrom = lab.host('sim-b').commandLog.length
    const refused = await cli(['drill', 'restore', start.runId, b!, ...bOpts])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('host-mismatch')
    expect(refused.stderr).toContain(`recorded ${start.target}, connected ${b}`)
    expect(refused.stderr).toContain(`recorded ${start.identity.bootId}`)
    expect(refused.stderr).toContain(lab.host('sim-b').kernel.bootId)
    expect(refused.stderr).not.toMatch(/replab: restored/)
    expect(pf('sim-b')).toMatchObject({ mode: 'switchdev', numVfs: 6 })
    const onB = lab
      .host('sim-b')
      .commandLog.slice(logFrom)
      .map((c) => c.command)
    // Reads only: the discovery script (`read -r M…`, its loops read sysfs) and the monitors.
    const changing = /flock|eswitch set|> *'?\/sys|modprobe|reload/
    expect(onB.filter((c) => !c.startsWith('read -r M\n') && changing.test(c))).toEqual([])
    expect(await journal()).toEqual(linesBefore)

    // Restore onto A itself: works, A is back to what the drill found (legacy, 0 VFs).
    const restored = await cli(['drill', 'restore', start.runId, a!, ...aOpts, '--json'])
    expect(restored.code, restored.stderr).toBe(0)
    expect(JSON.parse(restored.stdout)).toMatchObject({ status: 'interrupted' })
    expect(pf('sim-a')).toMatchObject({ mode: 'legacy', numVfs: 0 })
    expect(pf('sim-b')).toMatchObject({ mode: 'switchdev', numVfs: 6 })

    // Every mutation of every CLI command is in the one audit log, the refusal included.
    const audit = (await readFile(join(dir, 'audit.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { action: string; status: string; target: string })
    const actions = audit.map((e) => `${e.action} ${e.status}`)
    expect(actions).toContain('eswitch-mode ok')
    expect(actions).toContain('vf-count ok')
    expect(actions).toContain(`drill vf-churn (run ${start.runId}) started`)
    expect(actions).toContain(`drill restore (run ${start.runId}) refused: host mismatch`)
    expect(actions.some((x) => x.startsWith(`drill restore (run ${start.runId}) restored`))).toBe(
      true,
    )
  }, 300_000)
})
