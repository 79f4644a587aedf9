import { afterAll, beforeAll, expect, it } from 'vitest'

import type { DrillReport } from '../../contract'
import {
  NSIM,
  nsimState,
  nvmeState,
  pfSettled,
  resetNetdevsim,
  resetNvmePf,
  type NsimState,
} from '../helpers/netdevsim-state'
import { NVME_PF } from '../helpers/netdevsim-vm'
import { consoleOnVm, type VmConsole } from '../helpers/realkernel-console'
import { dataDir, describeRealKernel, replabCli, sshArgs } from '../helpers/realkernel'

// Every drill that applies, on Debian's kernel: netdevsim10 (E-Switch, representors, health
// reporters and its own fault knobs in debugfs) and the NVMe SR-IOV PF (FLR, driver rebind).
// Each drill must pass on this correct kernel and put back what it changed, as the kernel shows.
describeRealKernel('drills on a real kernel', (vm) => {
  let con: VmConsole
  beforeAll(async () => {
    con = await consoleOnVm(vm(), await dataDir())
  })
  afterAll(() => con?.close())

  const brief = (r: DrillReport): string =>
    JSON.stringify({ status: r.status, findings: r.findings }, null, 1).slice(0, 3000)
  const same = (a: NsimState, b: NsimState): void => {
    expect({ mode: b.mode, numvfs: b.numvfs, ports: [...b.ports.keys()] }).toEqual({
      mode: a.mode,
      numvfs: a.numvfs,
      ports: [...a.ports.keys()],
    })
  }
  const nsimDrill = async (kind: string, params: Record<string, unknown>): Promise<DrillReport> => {
    await resetNetdevsim(vm(), { vfs: 4, mode: 'switchdev' })
    const before = await nsimState(vm())
    const report = await con.drill(kind, NSIM, params)
    expect(report.status, brief(report)).toBe('passed')
    same(before, await nsimState(vm()))
    return report
  }

  it('vf-churn: VF count 0 → 2 → 0 → 3 → 0 in switchdev on netdevsim, restored to 4 VFs', async () => {
    const r = await nsimDrill('vf-churn', { vfs: 2, vfsAlt: 3, iterations: 1 })
    expect(r.steps.filter((s) => s.name.startsWith('vf count')).length).toBeGreaterThanOrEqual(4)
  })

  it('mode-race: mode flips racing VF count changes (no mlx5_ib lane on netdevsim)', async () => {
    const r = await nsimDrill('mode-race', { vfs: 2, iterations: 2 })
    const commands = r.steps.flatMap((s) => s.commands ?? [])
    expect(commands.some((c) => c.includes('mlx5_ib'))).toBe(false)
    expect(commands.some((c) => c.includes('eswitch set'))).toBe(true)
  })

  it('pf-rebind through the netdevsim bus driver', async () => {
    const r = await nsimDrill('pf-rebind', { vfs: 2 })
    const commands = r.steps.flatMap((s) => s.commands ?? [])
    expect(commands).toContain(
      'echo netdevsim10 > /sys/bus/netdevsim/devices/netdevsim10/driver/unbind',
    )
  })

  it('fatal-recovery through netdevsim health/break_health: dummy reports and recovers', async () => {
    const r = await nsimDrill('fatal-recovery', { iterations: 2 })
    const commands = r.steps.flatMap((s) => s.commands ?? [])
    expect(commands.some((c) => c.includes('/health/break_health'))).toBe(true)
  })

  it('reload-unwind through netdevsim fail_reload and dont_allow_reload', async () => {
    const r = await nsimDrill('reload-unwind', { vfs: 2 })
    const commands = r.steps.flatMap((s) => s.commands ?? [])
    expect(commands.some((c) => c.includes('/fail_reload'))).toBe(true)
    expect(commands.some((c) => c.includes('/dont_allow_reload'))).toBe(true)
    expect(await vm().ok('cat /sys/kernel/debug/netdevsim/netdevsim10/fail_reload')).toBe('N\n')
  })

  it('late-ib-reps is not-applicable on netdevsim (no mlx5_ib), with the reason', async () => {
    await resetNetdevsim(vm(), { vfs: 4, mode: 'switchdev' })
    const r = await con.drill('late-ib-reps', NSIM, {})
    expect(r.status).toBe('not-applicable')
    expect(r.findings.map((f) => f.message).join('\n')).toMatch(/mlx5_ib/)
  })

  it('vf-reset-isolation on the NVMe PF (CLI): every VF FLRed, the PF and the other VFs keep their state', async () => {
    await resetNvmePf(vm(), 4)
    const before = await pfSettled(vm())
    const r = await replabCli(await dataDir(), [
      'drill',
      'run',
      'vf-reset-isolation',
      vm().target,
      '--device',
      `pci/${NVME_PF}`,
      '--vfs',
      '4',
      ...sshArgs(vm()),
      '--yes',
      '--json',
    ])
    const report = JSON.parse(r.stdout) as DrillReport
    expect(report.status, `${brief(report)}\n${r.stderr.slice(-2000)}`).toBe('passed')
    expect(r.code).toBe(0)
    expect(report.steps.filter((s) => s.name.startsWith('reset VF'))).toHaveLength(4)
    expect(await pfSettled(vm())).toEqual(before)
  })

  it('pf-rebind through the NVMe PF driver', async () => {
    await resetNvmePf(vm(), 2)
    const report = await con.drill('pf-rebind', `pci/${NVME_PF}`, { vfs: 2 })
    expect(report.status, brief(report)).toBe('passed')
    const k = await pfSettled(vm())
    expect(k.driver).toBe('nvme')
    expect(k.numvfs).toBe(2)
    expect((await nvmeState(vm())).vfs).toHaveLength(2)
  })
})
