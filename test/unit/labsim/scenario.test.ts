import { describe, expect, it } from 'vitest'
import { LabConfigError, startLab } from '../../../labsim/index'
import { hostName, resolveHosts } from '../../../labsim/scenario'
import { testHost } from './sim'

describe('scenario and API input validation (issue 3 "CLI and test API")', () => {
  it('names hosts sim-a … sim-z, sim-aa … and applies defaults', () => {
    expect([0, 25, 26, 27, 49].map(hostName)).toEqual([
      'sim-a',
      'sim-z',
      'sim-aa',
      'sim-ab',
      'sim-ax',
    ])
    const [spec] = resolveHosts(undefined, 'fixed')
    expect(spec).toEqual({
      name: 'sim-a',
      profile: 'fixed',
      mlx5Ib: true,
      netdevsim: true,
      cards: [
        {
          model: 'ConnectX-6 Dx',
          ports: 2,
          bus: 8,
          totalVfs: 8,
          ofed: false,
          swRecoveryOnErrors: true,
        },
      ],
    })
  })

  it('rejects bad scenarios with LabConfigError naming the field', async () => {
    expect(() => resolveHosts(1, 'fixed', { hosts: [{ cards: [{ totalVfs: 128 }] }] })).toThrow(
      /hosts\[0\]\.cards\[0\]\.totalVfs/,
    )
    expect(() =>
      resolveHosts(1, 'fixed', { hosts: [{ cards: [{ model: 'ConnectX-9' as never }] }] }),
    ).toThrow(LabConfigError)
    expect(() => resolveHosts(2, 'fixed', { hosts: [{ name: 'x' }, { name: 'x' }] })).toThrow(
      /duplicate/,
    )
    expect(() => resolveHosts(1, 'bogus' as never)).toThrow(/profile/)
    await expect(startLab({ speed: 0 })).rejects.toBeInstanceOf(LabConfigError)
  })

  it('models every card type with its PCI ids and a BlueField ECPF PF representor', async () => {
    const h = testHost('fixed', {
      hosts: [
        {
          cards: [
            { model: 'ConnectX-5', ports: 1, bus: 0x3b },
            { model: 'BlueField-2', ports: 1, bus: 0x5e, totalVfs: 2 },
          ],
        },
      ],
    })
    expect(
      (
        await h.run(
          'cat /sys/bus/pci/devices/0000:3b:00.0/device /sys/bus/pci/devices/0000:5e:00.0/device',
        )
      ).stdout,
    ).toBe('0x1017\n0xa2d6\n')
    await h.run(
      'echo 1 > /sys/bus/pci/devices/0000:5e:00.0/sriov_numvfs; devlink dev eswitch set pci/0000:5e:00.0 mode switchdev',
    )
    const ports = JSON.parse((await h.run('devlink -j port show pci/0000:5e:00.0')).stdout).port
    expect(ports['pci/0000:5e:00.0/0']).toMatchObject({
      flavour: 'pcipf',
      pfnum: 0,
      netdev: 'enp94s0f0npf0hpf',
    })
    expect(
      JSON.parse((await h.run('devlink -j health show pci/0000:5e:00.0 reporter fw_fatal')).stdout)
        .health['pci/0000:5e:00.0'][0].grace_period,
    ).toBe(180000)
  })

  it('rejects unknown inject targets and unknown hosts without crashing', async () => {
    const h = testHost()
    expect(
      await h.run("echo 'fw-assert pci/0000:99:00.0' > /sys/kernel/debug/labsim/inject"),
    ).toMatchObject({ code: 1, stderr: 'bash: line 1: echo: write error: No such device\n' })
    const lab = await startLab({ hosts: 1, speed: 0.01 })
    expect(() => lab.host('nope')).toThrow(LabConfigError)
    await lab.stop()
  })
})
