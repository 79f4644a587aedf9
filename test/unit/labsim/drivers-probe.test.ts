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
