import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'

import type { OperationResult } from '../../contract'
import {
  NSIM,
  NSIM_DEBUGFS,
  NSIM_SYSFS,
  nsimState,
  resetNetdevsim,
} from '../helpers/netdevsim-state'
import { consoleOnVm, type VmConsole } from '../helpers/realkernel-console'
import { dataDir, describeRealKernel, replabCli, sshArgs } from '../helpers/realkernel'

// Every operation that applies to netdevsim, driven through the CLI (`replab op`) and the
// console's back end, checked against what the kernel shows afterwards (read with devlink and
// sysfs over the suite's own connection). Expected outcomes follow netdevsim's source
// (drivers/net/netdevsim/dev.c and bus.c, 6.1): docs/domain.md §6.
describeRealKernel('operations on netdevsim (real kernel)', (vm) => {
  let dir: string
  let con: VmConsole
  const cliOp = async (...args: string[]): Promise<{ code: number; result: OperationResult }> => {
    const r = await replabCli(dir, [
      'op',
      vm().target,
      ...args,
      ...sshArgs(vm()),
      '--yes',
      '--json',
    ])
    expect(r.stdout, r.stderr).not.toBe('')
    return { code: r.code, result: JSON.parse(r.stdout) as OperationResult }
  }
  beforeAll(async () => {
    dir = await dataDir()
    con = await consoleOnVm(vm(), await dataDir())
  })
  afterAll(() => con?.close())
  beforeEach(() => resetNetdevsim(vm(), { vfs: 4, mode: 'switchdev' }))

  it('switches the E-Switch to legacy and back to switchdev (CLI, then console)', async () => {
    const legacy = await cliOp('eswitch-mode', NSIM, 'legacy')
    expect(legacy.result.status, legacy.result.error?.message).toBe('ok')
    expect(legacy.code).toBe(0)
    let k = await nsimState(vm())
    expect(k.mode).toBe('legacy')
    expect([...k.ports.keys()]).toEqual([0])
    const back = await con.op({ op: 'eswitch-mode', device: NSIM, mode: 'switchdev' })
    expect(back.status, back.error?.message).toBe('ok')
    expect(back.timings.observedMs).not.toBeNull()
    k = await nsimState(vm())
    expect(k.mode).toBe('switchdev')
    expect([...k.ports.keys()]).toEqual([0, 128, 129, 130, 131])
  })

  it('changes the VF count on the netdevsim bus device; 4 → 2 passes through 0, which returns switchdev to legacy', async () => {
    const r = await cliOp('vf-count', NSIM, '2')
    expect(r.result.status, r.result.error?.message).toBe('ok')
    expect(r.result.commands.map((c) => c.command)).toEqual([
      `echo 0 > ${NSIM_SYSFS}/sriov_numvfs`,
      `echo 2 > ${NSIM_SYSFS}/sriov_numvfs`,
    ])
    const k = await nsimState(vm())
    expect(k.numvfs).toBe(2)
    expect(k.mode).toBe('legacy')
    expect(r.result.observed).toMatch(/legacy/)
  })

  it('refuses more VFs than max_vfs before running anything', async () => {
    const r = await replabCli(dir, [
      'op',
      vm().target,
      'vf-count',
      NSIM,
      '9',
      ...sshArgs(vm()),
      '--yes',
    ])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/precondition-failed: .*9 VFs exceed .*4/)
    expect((await nsimState(vm())).numvfs).toBe(4)
  })

  it('reloads (driver_reinit): netdevsim drops its VFs and comes back in legacy', async () => {
    const r = await con.op({ op: 'devlink-reload', device: NSIM, action: 'driver_reinit' })
    expect(r.status, r.error?.message).toBe('ok')
    const k = await nsimState(vm())
    expect(k).toMatchObject({ mode: 'legacy', numvfs: 0, reloadFailed: false })
    expect([...k.ports.keys()]).toEqual([0])
  })

  it('reports a refused reload (dont_allow_reload) at once, with the kernel extack', async () => {
    await vm().ok(`echo y > ${NSIM_DEBUGFS}/dont_allow_reload`)
    try {
      const r = await con.op({ op: 'devlink-reload', device: NSIM, action: 'driver_reinit' })
      expect(r.status).toBe('failed')
      expect(r.error?.code, r.error?.message).toBe('command-failed')
      expect(r.error?.message).toMatch(/User forbid the reload for testing purposes/)
    } finally {
      await vm().ok(`echo n > ${NSIM_DEBUGFS}/dont_allow_reload`)
    }
    expect((await nsimState(vm())).mode).toBe('switchdev')
  })

  it('diagnoses, dumps and recovers the dummy health reporter after a break', async () => {
    await vm().ok(`devlink health set ${NSIM} reporter dummy auto_recover false`)
    await vm().ok(`echo replab-break > ${NSIM_DEBUGFS}/health/break_health`)
    const diag = await con.op({ op: 'health', device: NSIM, reporter: 'dummy', action: 'diagnose' })
    expect(diag.status, diag.error?.message).toBe('ok')
    // health.c nsim_dev_dummy_reporter_diagnose: the dummy's test fields (6.1)
    expect(diag.output).toMatch(/test_string: somestring/)
    const dump = await cliOp('health', NSIM, 'dummy', 'dump')
    expect(dump.result.status).toBe('ok')
    expect(dump.result.output).toMatch(/replab-break/)
    const rec = await con.op({ op: 'health', device: NSIM, reporter: 'dummy', action: 'recover' })
    expect(rec.status, rec.error?.message).toBe('ok')
    const show = JSON.parse(await vm().ok(`devlink -j health show ${NSIM} reporter dummy`))
    const dummy = Object.values(show.health as Record<string, Array<{ state: string }>>)[0]?.[0]
    expect(dummy?.state).toBe('healthy')
  })

  it('reports a failing recovery (health/fail_recover) with the kernel extack', async () => {
    await vm().ok(`devlink health set ${NSIM} reporter dummy auto_recover false`)
    await vm().ok(`echo Y > ${NSIM_DEBUGFS}/health/fail_recover`)
    try {
      await vm().ok(`echo replab-break > ${NSIM_DEBUGFS}/health/break_health`)
      const r = await con.op({ op: 'health', device: NSIM, reporter: 'dummy', action: 'recover' })
      expect(r.status).toBe('failed')
      expect(r.error?.code, r.error?.message).toBe('command-failed')
      expect(r.error?.message).toMatch(/User setup the recover to fail/)
    } finally {
      await vm().ok(`echo N > ${NSIM_DEBUGFS}/health/fail_recover`)
    }
  })

  it('unbinds and binds the netdevsim bus device', async () => {
    const un = await cliOp('unbind', NSIM)
    expect(un.result.status, un.result.error?.message).toBe('ok')
    expect((await vm().sh(`devlink dev show ${NSIM}`)).code).not.toBe(0)
    const bind = await con.op({ op: 'bind', device: NSIM })
    expect(bind.status, bind.error?.message).toBe('ok')
    const k = await nsimState(vm())
    // a fresh probe: legacy, no VFs (dev.c nsim_drv_probe)
    expect(k).toMatchObject({ mode: 'legacy', numvfs: 0 })
  })
})
