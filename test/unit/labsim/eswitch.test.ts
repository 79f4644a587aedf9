import { describe, expect, it } from 'vitest'
import { poll } from '../../helpers/poll'
import { testHost } from './sim'

const PF0 = '/sys/bus/pci/devices/0000:08:00.0'
const json = (text: string): Record<string, Record<string, Record<string, unknown>>> =>
  JSON.parse(text)

describe('PCI and SR-IOV sysfs (docs/domain.md §1.3, §2.10)', () => {
  it('sriov_numvfs: ERANGE above total, EBUSY N→M, same value is a no-op', async () => {
    const { run } = testHost()
    expect(await run(`echo 9 > ${PF0}/sriov_numvfs`)).toMatchObject({
      code: 1,
      stderr: 'bash: line 1: echo: write error: Numerical result out of range\n',
    })
    expect(
      (
        await run(
          `echo 2 > ${PF0}/sriov_numvfs && echo 2 > ${PF0}/sriov_numvfs && cat ${PF0}/sriov_numvfs`,
        )
      ).stdout,
    ).toBe('2\n')
    expect(await run(`echo 3 > ${PF0}/sriov_numvfs`)).toMatchObject({
      code: 1,
      stderr: 'bash: line 1: echo: write error: Device or resource busy\n',
    })
    expect(
      (await run('dmesg | grep -c "2 VFs already enabled. Disable before enabling 3 VFs"')).stdout,
    ).toBe('1\n')
  })

  it('creates VF functions with virtfn/physfn links, driver symlinks and VF netdevs', async () => {
    const { run } = testHost()
    await run(`echo 2 > ${PF0}/sriov_numvfs`)
    const r = await run(
      `readlink ${PF0}/virtfn1; readlink /sys/bus/pci/devices/0000:08:00.3/physfn; cat /sys/bus/pci/devices/0000:08:00.3/device; ls /sys/bus/pci/devices/0000:08:00.3/net`,
    )
    expect(r.stdout).toBe('../0000:08:00.3\n../0000:08:00.0\n0x101e\nenp8s0f0v1\n')
    expect((await run('lspci -D -d 15b3: | tail -1')).stdout).toBe(
      '0000:08:00.3 Ethernet controller: Mellanox Technologies ConnectX Family mlx5Gen Virtual Function\n',
    )
  })

  it('sriov_drivers_autoprobe=0 leaves new VFs unbound', async () => {
    const { run } = testHost()
    await run(`echo 0 > ${PF0}/sriov_drivers_autoprobe; echo 1 > ${PF0}/sriov_numvfs`)
    expect(
      (
        await run(
          '[ -L /sys/bus/pci/devices/0000:08:00.2/driver ] || echo unbound; ls /sys/bus/pci/devices/0000:08:00.2/net',
        )
      ).stdout,
    ).toBe('unbound\n')
  })

  it('PF unbind removes netdevs, RDMA device and devlink instance; bind re-probes legacy with 0 VFs', async () => {
    const { run } = testHost()
    await run(
      `echo 2 > ${PF0}/sriov_numvfs; devlink dev eswitch set pci/0000:08:00.0 mode switchdev`,
    )
    expect((await run('echo 0000:08:00.0 > /sys/bus/pci/drivers/mlx5_core/unbind')).code).toBe(0)
    expect(Object.keys(json((await run('devlink -j dev show')).stdout).dev!)).toEqual([
      'pci/0000:08:00.1',
      'netdevsim/netdevsim10',
    ])
    expect(
      (
        await run(
          'ls /sys/class/net | grep -c enp8s0f0; [ -L ' + PF0 + '/driver ] || echo nodriver',
        )
      ).stdout,
    ).toBe('0\nnodriver\n')
    expect(await run('echo 0000:08:00.0 > /sys/bus/pci/drivers/mlx5_core/unbind')).toMatchObject({
      code: 1,
      stderr: 'bash: line 1: echo: write error: No such device\n',
    })
    await run('echo 0000:08:00.0 > /sys/bus/pci/drivers/mlx5_core/bind')
    expect((await run('devlink -j dev eswitch show pci/0000:08:00.0')).stdout).toContain(
      '"mode":"legacy"',
    )
    expect((await run(`cat ${PF0}/sriov_numvfs; rdma link show mlx5_0`)).stdout).toMatch(
      /^0\nlink mlx5_0\/1 state ACTIVE physical_state LINK_UP netdev enp8s0f0np0 \n$/,
    )
    expect(await run('echo 0000:08:00.0 > /sys/bus/pci/drivers/mlx5_core/bind')).toMatchObject({
      code: 1,
    })
  })
})

describe('E-Switch mode changes (docs/domain.md §1.2, §1.4, §1.7, §3.4)', () => {
  it('follows the kernel order: Disable line, uplink rep first, VF reps, Enable line; netdev recreated', async () => {
    const { run, start, host } = testHost()
    await run(`echo 2 > ${PF0}/sriov_numvfs`)
    const before = host.kernel.netdevs.get('enp8s0f0np0')?.ifindex
    const mon = start('ip -j monitor link')
    await run('devlink dev eswitch set pci/0000:08:00.0 mode switchdev')
    // iproute2 6.1 prints text even with -j (test/fixtures/hostile/ip_j_monitor_link_events.txt)
    const events = (await mon.stop()).stdout
      .split('\n')
      .map((l) => /^(Deleted )?\d+: ([^:]+): </.exec(l))
      .filter((m) => m !== null)
    expect(events.map((m) => `${m[1] ? '-' : '+'}${m[2]}`)).toEqual([
      '-enp8s0f0np0',
      '+enp8s0f0np0',
      '+enp8s0f0npf0vf0',
      '+enp8s0f0npf0vf1',
    ])
    expect(host.kernel.netdevs.get('enp8s0f0np0')?.ifindex).not.toBe(before)
    const log = (await run('dmesg | grep "E-Switch: [DE]"')).stdout
    expect(log).toMatch(
      /mlx5_core 0000:08:00\.0: E-Switch: Disable: mode\(LEGACY\), nvfs\(2\), necvfs\(0\), active vports\(3\)\n.*E-Switch: Enable: mode\(OFFLOADS\), nvfs\(2\), necvfs\(0\), active vports\(3\)\n$/,
    )
  })

  it('same mode is a no-op; unknown mode is rejected by devlink; VF instances answer EPERM', async () => {
    const { run } = testHost()
    expect(
      await run('devlink dev eswitch set pci/0000:08:00.0 mode legacy; echo "[rc=$?]"'),
    ).toMatchObject({ stdout: '[rc=0]\n', stderr: '' })
    expect(await run('devlink dev eswitch set pci/0000:08:00.0 mode bogus')).toMatchObject({
      code: 1,
      stderr: 'Unknown eswitch mode "bogus"\n',
    })
    await run(`echo 1 > ${PF0}/sriov_numvfs`)
    expect(await run('devlink dev eswitch show pci/0000:08:00.2')).toMatchObject({
      code: 1,
      stderr: 'kernel answers: Operation not permitted\n',
    })
  })

  it('port indexes are (vhca_id<<16)|vport: PF1 VF5 is 65542, PF1 uplink 131071', async () => {
    const { run } = testHost()
    await run(
      'echo 6 > /sys/bus/pci/devices/0000:08:00.1/sriov_numvfs; devlink dev eswitch set pci/0000:08:00.1 mode switchdev',
    )
    const ports = json((await run('devlink -j port show pci/0000:08:00.1')).stdout).port!
    expect(ports['pci/0000:08:00.1/65542']).toMatchObject({
      netdev: 'enp8s0f1npf1vf5',
      flavour: 'pcivf',
      controller: 0,
      pfnum: 1,
      vfnum: 5,
      external: false,
    })
    expect(ports['pci/0000:08:00.1/131071']).toEqual({
      type: 'eth',
      netdev: 'enp8s0f1np1',
      flavour: 'physical',
      port: 1,
      splittable: false,
    })
  })
})

describe('switchdev VF churn and representor attributes (docs/domain.md §1.3, §1.7)', () => {
  it('VF count changes work in switchdev and the mode stays switchdev at 0 VFs (mlx5, unlike netdevsim)', async () => {
    const { run } = testHost()
    await run('devlink dev eswitch set pci/0000:08:00.0 mode switchdev')
    await run(`echo 3 > ${PF0}/sriov_numvfs`)
    expect(
      Object.keys(json((await run('devlink -j port show pci/0000:08:00.0')).stdout).port!),
    ).toHaveLength(4)
    await run(`echo 0 > ${PF0}/sriov_numvfs`)
    expect(
      Object.keys(json((await run('devlink -j port show pci/0000:08:00.0')).stdout).port!),
    ).toEqual(['pci/0000:08:00.0/65535'])
    expect((await run('devlink dev eswitch show pci/0000:08:00.0')).stdout).toBe(
      'pci/0000:08:00.0: mode switchdev inline-mode none encap-mode basic\n',
    )
  })

  it('phys_port_name and phys_switch_id are shared by the uplink and its reps; VF netdevs have none', async () => {
    const { run } = testHost()
    await run(
      `echo 1 > ${PF0}/sriov_numvfs; devlink dev eswitch set pci/0000:08:00.0 mode switchdev`,
    )
    const r = await run(
      'for n in enp8s0f0np0 enp8s0f0npf0vf0 enp8s0f0v0; do echo "$n $(cat /sys/class/net/$n/phys_port_name 2>&1) $(cat /sys/class/net/$n/phys_switch_id 2>&1)"; done',
    )
    const [up, rep, vf] = r.stdout.trim().split('\n')
    const id = up!.split(' ')[2]
    expect(up).toBe(`enp8s0f0np0 p0 ${id}`)
    expect(rep).toBe(`enp8s0f0npf0vf0 pf0vf0 ${id}`)
    expect(vf).toBe(
      'enp8s0f0v0 cat: /sys/class/net/enp8s0f0v0/phys_port_name: Operation not supported cat: /sys/class/net/enp8s0f0v0/phys_switch_id: Operation not supported',
    )
    expect(
      (await run('ethtool -i enp8s0f0npf0vf0 | head -1; ethtool -i enp8s0f0np0 | grep bus-info'))
        .stdout,
    ).toBe('driver: mlx5e_rep\nbus-info: 0000:08:00.0\n')
  })

  it('devlink port show waits for a running mode change (devlink instance lock)', async () => {
    const { run, host } = testHost('fixed', undefined, 0.05)
    await run(`echo 2 > ${PF0}/sriov_numvfs`)
    const change = run('devlink dev eswitch set pci/0000:08:00.0 mode switchdev')
    await poll(() => host.kernel.pfs[0]!.devlinkLock.locked, {
      what: 'the mode change holding the devlink lock',
    })
    const ports = await run('devlink -j port show pci/0000:08:00.0')
    await change
    expect(Object.keys(json(ports.stdout).port!)).toHaveLength(3)
  })

  it('port function set hw_addr works on mlx5 VF ports and is refused on the uplink (docs/domain.md §2.2)', async () => {
    const { run } = testHost()
    await run(
      `echo 1 > ${PF0}/sriov_numvfs; devlink dev eswitch set pci/0000:08:00.0 mode switchdev`,
    )
    expect(
      (await run('devlink port function set pci/0000:08:00.0/1 hw_addr 02:00:00:00:00:11')).code,
    ).toBe(0)
    expect((await run('devlink port show pci/0000:08:00.0/1')).stdout).toContain(
      '\n  function:\n    hw_addr 02:00:00:00:00:11\n',
    )
    expect(
      await run('devlink port function set pci/0000:08:00.0/65535 hw_addr 02:00:00:00:00:12'),
    ).toMatchObject({
      code: 1,
      stderr:
        "Error: leftover: Port doesn't support function attributes.\nkernel answers: Operation not supported\n",
    })
    expect(
      JSON.parse((await run('devlink -j dev param show pci/0000:08:00.0')).stdout).param[
        'pci/0000:08:00.0'
      ][0],
    ).toEqual({
      name: 'enable_roce',
      type: 'generic',
      values: [{ cmode: 'driverinit', value: true }],
    })
  })

  it('lspci -nn prints class and ids (docs/domain.md §2.9)', async () => {
    const { run } = testHost()
    expect((await run('lspci -nn -d 15b3:101d')).stdout).toBe(
      '08:00.0 Ethernet controller [0200]: Mellanox Technologies MT2892 Family [ConnectX-6 Dx] [15b3:101d]\n08:00.1 Ethernet controller [0200]: Mellanox Technologies MT2892 Family [ConnectX-6 Dx] [15b3:101d]\n',
    )
  })
})
