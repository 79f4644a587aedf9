import { describe, expect, it } from 'vitest'

import { testHost } from './sim'

// drivers/base/bus.c drivers_probe_store (6.1), as seen on the real-kernel VM: writing a device
// name to /sys/bus/<bus>/drivers_probe binds it to the driver that matches it; a device that
// already has a driver is left alone and the write still succeeds; an unknown name is ENODEV.
describe('labsim drivers_probe on the pci and netdevsim buses', () => {
  it('rebinds an unbound mlx5 PF to mlx5_core and is a no-op when bound', async () => {
    const { run } = testHost()
    const bdf = '0000:08:00.0'
    expect((await run(`echo ${bdf} > /sys/bus/pci/devices/${bdf}/driver/unbind`)).code).toBe(0)
    expect((await run(`readlink /sys/bus/pci/devices/${bdf}/driver`)).code).not.toBe(0)
    expect((await run(`echo ${bdf} > /sys/bus/pci/drivers_probe`)).code).toBe(0)
    expect((await run(`readlink /sys/bus/pci/devices/${bdf}/driver`)).stdout).toMatch(/mlx5_core/)
    expect((await run(`echo ${bdf} > /sys/bus/pci/drivers_probe`)).code).toBe(0)
    const bad = await run('echo 0000:99:00.0 > /sys/bus/pci/drivers_probe')
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/No such device/)
  })

  it('rebinds the netdevsim bus device, fresh in legacy with no VFs', async () => {
    const { run } = testHost()
    const dev = '/sys/bus/netdevsim/devices/netdevsim10'
    expect((await run(`echo 2 > ${dev}/sriov_numvfs`)).code).toBe(0)
    expect((await run('echo netdevsim10 > /sys/bus/netdevsim/drivers/netdevsim/unbind')).code).toBe(
      0,
    )
    expect((await run('devlink dev show netdevsim/netdevsim10')).code).not.toBe(0)
    expect((await run('echo netdevsim10 > /sys/bus/netdevsim/drivers_probe')).code).toBe(0)
    expect((await run('devlink dev eswitch show netdevsim/netdevsim10')).stdout).toMatch(/legacy/)
    expect((await run(`cat ${dev}/sriov_numvfs`)).stdout).toBe('0\n')
    expect((await run('echo netdevsim10 > /sys/bus/netdevsim/drivers_probe')).code).toBe(0)
  })
})

// drivers/net/netdevsim/dev.c (6.1) reload, as seen on the real-kernel VM: a reload with
// `fail_reload` tears the instance down first, then fails: devlink reports reload_failed, no port,
// no reporter, legacy with 0 VFs, and the health debugfs is gone; a clean reload rebuilds it with
// fresh reporters.
describe('labsim netdevsim reload matches the kernel', () => {
  it('a failed reload leaves the instance down until a clean one', async () => {
    const { run } = testHost()
    const dbg = '/sys/kernel/debug/netdevsim/netdevsim10'
    const dev = 'netdevsim/netdevsim10'
    await run('echo 4 > /sys/bus/netdevsim/devices/netdevsim10/sriov_numvfs')
    await run(`devlink dev eswitch set ${dev} mode switchdev`)
    await run(`echo replab > ${dbg}/health/break_health`)
    await run(`echo y > ${dbg}/fail_reload`)
    const failed = await run(`devlink dev reload ${dev}`)
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/User setup the reload to fail/)
    expect((await run(`devlink -j dev show ${dev}`)).stdout.trim()).toBe(
      `{"dev":{"${dev}":{"reload_failed":true}}}`,
    )
    expect((await run(`devlink port show ${dev}`)).stdout).toBe('')
    expect((await run(`devlink dev eswitch show ${dev}`)).stdout).toMatch(/mode legacy/)
    expect((await run('cat /sys/bus/netdevsim/devices/netdevsim10/sriov_numvfs')).stdout).toBe(
      '0\n',
    )
    expect((await run(`[ -e ${dbg}/health/fail_recover ]`)).code).toBe(1)
    await run(`echo n > ${dbg}/fail_reload`)
    expect((await run(`devlink dev reload ${dev}`)).code).toBe(0)
    expect((await run(`devlink port show ${dev}`)).stdout).toMatch(/^netdevsim\/netdevsim10\/0: /)
    // fresh reporters: the break before the reloads is forgotten
    expect((await run(`devlink -j health show ${dev} reporter dummy`)).stdout).toMatch(
      /"error":0,"recover":0/,
    )
  })
})
