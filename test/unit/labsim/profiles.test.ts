import { describe, expect, it } from 'vitest'
import type { TestHost } from './sim'
import { poll } from '../../helpers/poll'
import { testHost } from './sim'

const PF0 = '/sys/bus/pci/devices/0000:08:00.0'

interface Link {
  ifname: string
  port: number
  netdev?: string
}

async function links(h: TestHost): Promise<Link[]> {
  return JSON.parse((await h.run('rdma -j link show')).stdout) as Link[]
}

/** IB representor device ports of PF0 (the device whose last port carries the uplink). */
async function repPorts(h: TestHost): Promise<Link[]> {
  const all = await links(h)
  const uplink = all.find((l) => l.netdev === 'enp8s0f0np0' && l.port > 1)
  return uplink ? all.filter((l) => l.ifname === uplink.ifname) : []
}

const rep = (h: TestHost, vport: number): { eth: string; ib: string } | undefined =>
  h.host.state().pfs[0]!.reps.find((r) => r.vport === vport)

/** switchdev with 2 VFs, then mlx5_ib reloaded: the late IB representor load path (§4.1). */
async function lateLoad(h: TestHost): Promise<void> {
  await h.run(
    `echo 2 > ${PF0}/sriov_numvfs && devlink dev eswitch set pci/0000:08:00.0 mode switchdev`,
  )
  await h.run('modprobe -r mlx5_ib && modprobe mlx5_ib')
}

describe('IB representors (docs/domain.md §1.5, §1.6)', () => {
  it('one IB rep device per uplink, one port per vport, uplink on the last port', async () => {
    const h = testHost()
    await h.run(
      `echo 2 > ${PF0}/sriov_numvfs && devlink dev eswitch set pci/0000:08:00.0 mode switchdev`,
    )
    const ports = await repPorts(h)
    expect(ports).toHaveLength(10)
    expect(ports.map((p) => p.netdev ?? null)).toEqual([
      null,
      'enp8s0f0npf0vf0',
      'enp8s0f0npf0vf1',
      null,
      null,
      null,
      null,
      null,
      null,
      'enp8s0f0np0',
    ])
    expect(rep(h, 1)).toMatchObject({ eth: 'LOADED', ib: 'LOADED' })
    expect((await h.run('ibdev2netdev | grep -c enp8s0f0npf0vf')).stdout).toBe('2\n')
  })

  it('rmmod mlx5_ib unloads IB reps synchronously and leaves ETH reps (REGISTERED → UNREGISTERED)', async () => {
    const h = testHost()
    await h.run(
      `echo 1 > ${PF0}/sriov_numvfs && devlink dev eswitch set pci/0000:08:00.0 mode switchdev && rmmod mlx5_ib`,
    )
    expect(await repPorts(h)).toEqual([])
    expect(rep(h, 1)).toMatchObject({ eth: 'LOADED', ib: 'UNREGISTERED' })
    expect(
      (await h.run('lsmod | grep -c mlx5_ib; cat /proc/modules | grep -c mlx5_core')).stdout,
    ).toBe('0\n1\n')
  })
})

describe('profiles: the same drill on fixed and pre-series (issue 3, docs/domain.md §4)', () => {
  it('late IB representor load: fixed loads them asynchronously, pre-series leaves them REGISTERED', async () => {
    const fixed = testHost('fixed')
    const pre = testHost('pre-series')
    await lateLoad(fixed)
    await lateLoad(pre)
    await poll(async () => (await repPorts(fixed)).length > 0 && rep(fixed, 2)?.ib === 'LOADED', {
      what: 'the fixed kernel loading the late IB reps',
    })
    expect((await repPorts(fixed)).filter((p) => p.netdev).map((p) => p.netdev)).toEqual([
      'enp8s0f0npf0vf0',
      'enp8s0f0npf0vf1',
      'enp8s0f0np0',
    ])
    expect(await repPorts(pre)).toEqual([])
    expect(rep(pre, 1)).toMatchObject({ eth: 'LOADED', ib: 'REGISTERED' })
    // pre-series: a later VF count change brings them (docs/domain.md §4.1 "appear only after a later trigger")
    await pre.run(`echo 0 > ${PF0}/sriov_numvfs && echo 2 > ${PF0}/sriov_numvfs`)
    expect((await repPorts(pre)).filter((p) => p.netdev)).toHaveLength(3)
  })

  it('reload error unwind: pre-series loses the VF rep netdev, fixed only misses the IB port', async () => {
    const outcome = async (
      profile: 'fixed' | 'pre-series',
    ): Promise<{ netdev: boolean; ibPort: boolean }> => {
      const h = testHost(profile)
      await h.run(
        `echo 2 > ${PF0}/sriov_numvfs && devlink dev eswitch set pci/0000:08:00.0 mode switchdev && rmmod mlx5_ib`,
      )
      await h.run(
        'echo "ib-rep-load-fail pci/0000:08:00.0 1" > /sys/kernel/debug/labsim/inject && modprobe mlx5_ib',
      )
      if (profile === 'fixed')
        await poll(() => rep(h, 2)?.ib === 'LOADED', { what: 'VF 1 IB rep loaded' })
      else await h.run(`echo 0 > ${PF0}/sriov_numvfs && echo 2 > ${PF0}/sriov_numvfs`)
      const ports = JSON.parse((await h.run('devlink -j port show pci/0000:08:00.0/1')).stdout)
        .port['pci/0000:08:00.0/1']
      return {
        netdev: ports.netdev === 'enp8s0f0npf0vf0',
        ibPort: (await repPorts(h)).some((p) => p.netdev === 'enp8s0f0npf0vf0'),
      }
    }
    expect(await outcome('fixed')).toEqual({ netdev: true, ibPort: false })
    expect(await outcome('pre-series')).toEqual({ netdev: false, ibPort: false })
  })

  it('`clear` disarms an IB rep load failure that has not fired, and other armed faults', async () => {
    const h = testHost('fixed')
    await h.run(
      `echo 2 > ${PF0}/sriov_numvfs && devlink dev eswitch set pci/0000:08:00.0 mode switchdev && rmmod mlx5_ib`,
    )
    const inject = '/sys/kernel/debug/labsim/inject'
    await h.run(
      `echo "ib-rep-load-fail pci/0000:08:00.0 1" > ${inject} && echo "hang sleep 99" > ${inject} && echo "slow 3" > ${inject}`,
    )
    expect(h.host.kernel.pfs[0]!.ibLoadFail.has(1)).toBe(true)
    expect((await h.run(`echo clear > ${inject}`)).code).toBe(0)
    expect(h.host.kernel.pfs[0]!.ibLoadFail.size).toBe(0)
    expect(h.host.kernel.hangPatterns).toEqual([])
    expect(h.host.clock.slowFactor).toBe(1)
    // The load that would have failed now registers every IB rep, vport 1 included.
    await h.run('modprobe mlx5_ib')
    await poll(() => rep(h, 1)?.ib === 'LOADED' && rep(h, 2)?.ib === 'LOADED', {
      what: 'both VF IB reps loaded',
    })
    // `clear` takes no argument: anything after it is a malformed line (EINVAL), not a clear.
    expect((await h.run(`echo "clear all" > ${inject}`)).code).not.toBe(0)
  })

  it('registration race: pre-series ends inconsistent with a lockdep splat, fixed serializes', async () => {
    const race = async (
      profile: 'fixed' | 'pre-series',
    ): Promise<{ splat: boolean; consistent: boolean }> => {
      const h = testHost(profile, undefined, 0.01)
      await h.run(`echo 2 > ${PF0}/sriov_numvfs && rmmod mlx5_ib`)
      const change = h.run('devlink dev eswitch set pci/0000:08:00.0 mode switchdev')
      await poll(() => h.host.kernel.pfs[0]!.operation === 'mode', {
        what: 'the mode change in progress',
      })
      await h.run('modprobe mlx5_ib')
      await change
      await poll(() => profile === 'pre-series' || rep(h, 2)?.ib === 'LOADED', {
        what: 'VF 1 IB rep loaded',
      })
      const splat =
        (await h.run('dmesg | grep -c "possible circular locking dependency"')).stdout === '1\n'
      const netdevs = JSON.parse((await h.run('devlink -j port show pci/0000:08:00.0')).stdout).port
      const repNetdevs = Object.values(netdevs as Record<string, { netdev?: string }>).map(
        (p) => p.netdev,
      )
      const ib = (await repPorts(h)).map((p) => p.netdev).filter(Boolean)
      return { splat, consistent: repNetdevs.every((n) => n && ib.includes(n)) }
    }
    expect(await race('fixed')).toEqual({ splat: false, consistent: true })
    expect(await race('pre-series')).toEqual({ splat: true, consistent: false })
  })
})
