import { execFile } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { DrillPlan } from '../../../contract'
import { startLab, type Lab } from '../../../labsim'
import { labsimExec } from '../../helpers/labsim-exec'

const run = promisify(execFile)
const bin = join(__dirname, '../../../bin/replab.mjs')
const PF = 'pci/0000:08:00.0'

// Issue 21 item 1-3 through the CLI against labsim: `drill run --dry-run` prints the plan and
// runs nothing; without `--yes` and without a terminal it refuses; a drill that would disturb a
// VF in use refuses naming it; a bad VF count is invalid-request and no run is stored.
describe('replab drill run: plan, confirmation, refusals', () => {
  let lab: Lab
  let dir: string
  const ssh = (): string[] => {
    const h = lab.hosts[0]!
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
  const cli = (args: string[]) =>
    run(process.execPath, [bin, ...args], { timeout: 120_000 }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    )
  const drill = (kind: string, ...extra: string[]) => {
    const [target, ...opts] = ssh()
    return cli(['drill', 'run', kind, target!, ...opts, '--device', PF, ...extra])
  }
  const runs = () => readdir(join(dir, 'runs')).catch(() => [] as string[])

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, profile: 'fixed', speed: 0.05 })
    dir = await mkdtemp(join(tmpdir(), 'replab-drill-plan-'))
    await labsimExec(lab.hosts[0]!, `echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs`)
  })
  afterAll(async () => {
    await lab?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('--dry-run prints every step with its commands, the blast radius, restore and estimate', async () => {
    const log = lab.host('sim-a').commandLog.length
    const r = await drill('late-ib-reps', '--dry-run')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(
      /^Run late-ib-reps on pci\/0000:08:00\.0 of host root@127\.0\.0\.1:\d+\? 1 iteration/,
    )
    expect(r.stdout).toContain(
      'parameters: 1 iteration, VFs 2, step timeout 30000 ms, settle window 3000 ms',
    )
    expect(r.stdout).toContain(`$ devlink dev eswitch set ${PF} mode switchdev`)
    expect(r.stdout).toContain('$ modprobe -r mlx5_ib')
    expect(r.stdout).toMatch(/blast radius:\n {2}devlink pci\/0000:08:00\.0/)
    expect(r.stdout).toContain(
      `E-Switch mode of ${PF} back to legacy  [replab op <target> eswitch-mode ${PF} legacy]`,
    )
    expect(r.stdout).toMatch(/takes about \d+\.\d s, at most \d+ s: no earlier run of late-ib-reps/)
    const changed = lab
      .host('sim-a')
      .commandLog.slice(log)
      .filter((e) => /modprobe|eswitch set|> .*sriov_numvfs/.test(e.command))
    expect(changed).toEqual([])
    const json = await drill('late-ib-reps', '--dry-run', '--json')
    const plan = JSON.parse(json.stdout) as DrillPlan
    expect(plan.steps.map((s) => s.name)).toEqual([
      'eswitch mode switchdev',
      'unload mlx5_ib',
      'load mlx5_ib',
      'IB representors appear',
    ])
    expect(await runs()).toEqual([])
  }, 60_000)

  it('without --yes and without a terminal it refuses, naming host and device; --yes runs', async () => {
    const r = await drill('late-ib-reps', '--timeout-ms', '8000')
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(
      /precondition-failed: drill late-ib-reps on pci\/0000:08:00\.0 of root@127\.0\.0\.1:\d+ changes the host: pass --yes/,
    )
    expect(await runs()).toEqual([])
    const ok = await drill('late-ib-reps', '--timeout-ms', '8000', '--yes', '--json')
    expect(ok.code, ok.stderr).toBe(0)
    expect(await runs()).toHaveLength(1)
  }, 120_000)

  it('VFs in use: the plan shows them, the run refuses naming them (exit 1), nothing stored', async () => {
    const vf = lab.host('sim-a').state().pfs[0]!.vfs[0]!
    await labsimExec(
      lab.hosts[0]!,
      `ip link set dev ${vf.netdev!} up && ip addr add 10.9.0.1/24 dev ${vf.netdev!}`,
    )
    const before = await runs()
    const dry = await drill('vf-churn', '--dry-run', '--vfs', '1')
    expect(dry.code).toBe(1)
    expect(dry.stdout).toContain(
      `VFs in use:\n  ${vf.bdf} (VF 0, ${vf.netdev!}): ${vf.netdev!} up with 10.9.0.1/24`,
    )
    expect(dry.stdout).toMatch(/REFUSED unless --force: vf-churn would change the VF count/)
    const r = await drill('vf-churn', '--vfs', '1', '--yes')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      new RegExp(`in-use: vf-churn would change the VF count .*${vf.bdf.replace(/\./g, '\\.')}`),
    )
    expect(await runs()).toEqual(before)
    expect(lab.host('sim-a').state().pfs[0]!.numVfs).toBe(2)
    await labsimExec(lab.hosts[0]!, `ip addr del 10.9.0.1/24 dev ${vf.netdev!}`)
  }, 60_000)

  it('--vfs 100 on an 8-VF PF and a non-number are invalid-request; nothing is stored', async () => {
    const before = await runs()
    const r = await drill('vf-churn', '--vfs', '100', '--yes')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      /invalid-request: vf-churn on pci\/0000:08:00\.0 of root@127\.0\.0\.1:\d+: VF count 100 exceeds sriov_totalvfs 8/,
    )
    const nan = await drill('vf-churn', '--iterations', 'three', '--yes')
    expect(nan.code).toBe(1)
    expect(nan.stderr).toMatch(/invalid-request: --iterations takes a whole number, not "three"/)
    expect(await runs()).toEqual(before)
  }, 60_000)
})
