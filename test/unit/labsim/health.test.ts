import { describe, expect, it } from 'vitest'
import { poll } from '../../helpers/poll'
import { testHost } from './sim'

const PF0 = '/sys/bus/pci/devices/0000:08:00.0'
type Reporter = {
  reporter: string
  state: string
  error: number
  recover: number
  grace_period?: number
}

async function fatal(h: ReturnType<typeof testHost>): Promise<Reporter> {
  const out = JSON.parse(
    (await h.run('devlink -j health show pci/0000:08:00.0 reporter fw_fatal')).stdout,
  )
  return out.health['pci/0000:08:00.0'][0] as Reporter
}

describe('health reporters and the fatal-error flow (docs/domain.md §2.4, §3.2, §3.3)', () => {
  it('lists fw, fw_fatal, vnic per device and tx/rx on the uplink port, in iproute2 key order', async () => {
    const h = testHost()
    const out = JSON.parse((await h.run('devlink -j health show')).stdout).health
    expect(out['pci/0000:08:00.0'].map((r: Reporter) => r.reporter)).toEqual([
      'fw',
      'fw_fatal',
      'vnic',
    ])
    expect(out['pci/0000:08:00.0/65535'].map((r: Reporter) => r.reporter)).toEqual(['tx', 'rx'])
    expect(JSON.stringify(out['pci/0000:08:00.0'][1])).toBe(
      '{"reporter":"fw_fatal","state":"healthy","error":0,"recover":0,"grace_period":60000,"auto_recover":true,"auto_dump":true}',
    )
    expect((await h.run('devlink health show pci/0000:08:00.0 reporter fw')).stdout).toBe(
      'pci/0000:08:00.0:\n  reporter fw\n    state healthy error 0 recover 0 auto_dump true\n',
    )
  })

  it('fw-assert with RFR: dmesg lines, netdevs vanish and return, counters move, crdump taken', async () => {
    const h = testHost()
    await h.run(
      `echo 1 > ${PF0}/sriov_numvfs; devlink dev eswitch set pci/0000:08:00.0 mode switchdev`,
    )
    const before = h.host.kernel.netdevs.get('enp8s0f0npf0vf0')!.ifindex
    await h.run("echo 'fw-assert pci/0000:08:00.0' > /sys/kernel/debug/labsim/inject")
    await poll(async () => (await fatal(h)).recover === 1, { what: 'fw_fatal recovered once' })
    expect(await fatal(h)).toMatchObject({ state: 'healthy', error: 1, recover: 1 })
    const log = (
      await h.run('dmesg | grep 0000:08:00.0 | grep -E "Fatal error|synd|handling bad|recovery"')
    ).stdout
    const order = [
      'Fatal error 5 detected',
      'synd 0x1: firmware internal error',
      'handling bad device here',
      'starting health recovery flow',
      'health recovery succeeded',
    ]
    expect(order.map((needle) => log.indexOf(needle))).toEqual(
      order.map((needle) => log.indexOf(needle)).sort((a, b) => a - b),
    )
    expect(order.every((needle) => log.includes(needle))).toBe(true)
    expect(h.host.kernel.netdevs.get('enp8s0f0npf0vf0')!.ifindex).toBeGreaterThan(before)
    const dump = JSON.parse(
      (await h.run('devlink -j health dump show pci/0000:08:00.0 reporter fw_fatal')).stdout,
    )
    expect(dump.crdump_data).toHaveLength(4096)
    expect(
      JSON.parse((await h.run('devlink -j health show pci/0000:08:00.0 reporter fw_fatal')).stdout)
        .health['pci/0000:08:00.0'][0],
    ).toHaveProperty('last_dump_date')
  })
})

describe('fatal errors, grace period and reporter commands (docs/domain.md §3.2, §2.4)', () => {
  it('a second fatal error inside the grace period unloads the driver; manual recover brings it back', async () => {
    const h = testHost()
    await h.run("echo 'fw-assert pci/0000:08:00.0' > /sys/kernel/debug/labsim/inject")
    await poll(async () => (await fatal(h)).recover === 1, { what: 'fw_fatal recovered once' })
    await h.run("echo 'fw-assert pci/0000:08:00.0' > /sys/kernel/debug/labsim/inject")
    await poll(() => h.host.kernel.pfs[0]!.state === 'unloaded', {
      what: 'the PF unloaded inside the grace period',
    })
    expect((await h.run('dmesg | grep -c "Driver is in error state. Unloading"')).stdout).toBe(
      '1\n',
    )
    expect(h.host.kernel.netdevs.get('enp8s0f0np0')).toBeUndefined()
    expect(await h.run('devlink health recover pci/0000:08:00.0 reporter fw_fatal')).toMatchObject({
      code: 0,
    })
    expect(await fatal(h)).toMatchObject({ state: 'healthy', error: 2, recover: 2 })
    expect(h.host.kernel.netdevs.get('enp8s0f0np0')).toBeDefined()
  })

  it('without SW_RECOVERY_ON_ERRORS the assert is only a fw reporter event (mlxconfig set/query)', async () => {
    const h = testHost()
    expect(
      (await h.run('mlxconfig -d 0000:08:00.0 query SW_RECOVERY_ON_ERRORS | grep SW_')).stdout,
    ).toMatch(/SW_RECOVERY_ON_ERRORS\s+True\(1\)/)
    await h.run('mlxconfig -d 0000:08:00.0 -y set SW_RECOVERY_ON_ERRORS=false')
    await h.run("echo 'fw-assert pci/0000:08:00.0' > /sys/kernel/debug/labsim/inject")
    const out = JSON.parse((await h.run('devlink -j health show pci/0000:08:00.0')).stdout).health[
      'pci/0000:08:00.0'
    ]
    expect(out[0]).toMatchObject({ reporter: 'fw', error: 1 })
    expect(out[1]).toMatchObject({ reporter: 'fw_fatal', error: 0 })
  })

  it('set, diagnose, recover on reporters without a recover op, and the "kernel answers: Success" quirk', async () => {
    const h = testHost()
    await h.run(
      'devlink health set pci/0000:08:00.0 reporter fw_fatal grace_period 3500 auto_recover false',
    )
    expect(await fatal(h)).toMatchObject({ grace_period: 3500 })
    expect(await h.run('devlink -j health diagnose pci/0000:08:00.0 reporter fw')).toEqual({
      stdout: '{"Syndrome":0}\n',
      stderr: 'kernel answers: Success\n',
      code: 0,
    })
    expect(await h.run('devlink health recover pci/0000:08:00.0 reporter fw')).toMatchObject({
      code: 1,
      stderr: 'kernel answers: Operation not supported\n',
    })
  })

  it('OFED flavour exposes /proc/driver/mlx5_core/crdump/<bdf>', async () => {
    const h = testHost('fixed', {
      hosts: [{ cards: [{ model: 'ConnectX-7', ports: 1, ofed: true }] }],
    })
    expect((await h.run('ls /proc/driver/mlx5_core/crdump')).stdout).toBe('0000:08:00.0\n')
    await h.run("echo 'fw-assert pci/0000:08:00.0' > /sys/kernel/debug/labsim/inject")
    await poll(async () => (await fatal(h)).recover === 1, { what: 'fw_fatal recovered once' })
    expect((await h.run('cat /proc/driver/mlx5_core/crdump/0000:08:00.0 | wc -c')).stdout).toBe(
      '4096\n',
    )
  })
})

describe('VF reset and devlink reload (docs/domain.md §2.3, §3.4)', () => {
  it('VF reset flaps only that VF: the PF, reps and other VFs keep their ifindex and state', async () => {
    const h = testHost()
    await h.run(
      `echo 2 > ${PF0}/sriov_numvfs; devlink dev eswitch set pci/0000:08:00.0 mode switchdev; ip link set dev enp8s0f0v0 up; ip link set dev enp8s0f0v1 up`,
    )
    const snapshot = (): string =>
      JSON.stringify(
        h.host.kernel.netdevs
          .list()
          .filter((n) => n.name !== 'enp8s0f0v0')
          .map((n) => [n.ifindex, n.name, n.up]),
      )
    const before = snapshot()
    const mon = h.start('ip monitor link')
    await h.run('echo 1 > /sys/bus/pci/devices/0000:08:00.2/reset')
    const events = (await mon.stop()).stdout
    expect(snapshot()).toBe(before)
    expect(events.match(/enp8s0f0v0/g)).toHaveLength(2)
    expect(events).not.toMatch(/enp8s0f0v1|enp8s0f0np0|npf0vf/)
    expect(h.host.kernel.netdevs.get('enp8s0f0v0')!.up).toBe(true)
  })

  it('reload warns with VFs, keeps mode and VFs, counts stats; fw_activate reports both actions', async () => {
    const h = testHost()
    await h.run(
      `echo 2 > ${PF0}/sriov_numvfs; devlink dev eswitch set pci/0000:08:00.0 mode switchdev`,
    )
    const r = await h.run('devlink dev reload pci/0000:08:00.0 action driver_reinit')
    expect(r).toEqual({
      stdout: 'reload_actions_performed:\n    driver_reinit\n',
      stderr: 'Warning: mlx5_core: reload while VFs are present is unfavorable.\n',
      code: 0,
    })
    expect((await h.run('devlink port show pci/0000:08:00.0 | grep -c pcivf')).stdout).toBe('2\n')
    expect(
      (await h.run('devlink dev reload pci/0000:08:00.0 action fw_activate 2>/dev/null')).stdout,
    ).toBe('reload_actions_performed:\n    driver_reinit fw_activate\n')
    const stats = JSON.parse((await h.run('devlink -j -s dev show pci/0000:08:00.0')).stdout).dev[
      'pci/0000:08:00.0'
    ].stats
    expect(stats.reload).toEqual({
      driver_reinit: { unspecified: 1 },
      fw_activate: { unspecified: 1, no_reset: 0 },
    })
  })

  it('reload refuses while SFs are allocated (devlink port add … flavour pcisf)', async () => {
    const h = testHost()
    expect(
      await h.run('devlink port add pci/0000:08:00.0 flavour pcisf pfnum 0 sfnum 88'),
    ).toMatchObject({
      code: 1,
      stderr:
        'Error: mlx5_core: Port add is only supported in eswitch switchdev mode.\nkernel answers: Operation not supported\n',
    })
    await h.run('devlink dev eswitch set pci/0000:08:00.0 mode switchdev')
    const add = await h.run('devlink port add pci/0000:08:00.0 flavour pcisf pfnum 0 sfnum 88')
    expect(add.stdout).toBe(
      'pci/0000:08:00.0/32768: type eth netdev enp8s0f0npf0sf88 flavour pcisf controller 0 pfnum 0 sfnum 88 external false splittable false\n  function:\n    hw_addr 00:00:00:00:00:00 state inactive opstate detached\n',
    )
    expect(await h.run('devlink dev reload pci/0000:08:00.0')).toMatchObject({
      code: 1,
      stderr:
        'Error: mlx5_core: reload is unsupported when SFs are allocated.\nkernel answers: Operation not supported\n',
    })
    await h.run('devlink port del pci/0000:08:00.0/32768')
    expect((await h.run('devlink dev reload pci/0000:08:00.0')).code).toBe(0)
  })

  it('dev info shows driver, serial, psid and firmware versions', async () => {
    const h = testHost()
    const info = JSON.parse((await h.run('devlink -j dev info pci/0000:08:00.0')).stdout).info[
      'pci/0000:08:00.0'
    ]
    expect(info).toMatchObject({
      driver: 'mlx5_core',
      versions: { fixed: { 'fw.psid': 'MT_0000000359' }, running: { 'fw.version': '22.39.1002' } },
    })
  })
})
