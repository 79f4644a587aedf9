import { describe, expect, it } from 'vitest'
import { parseIpLinks, parseRdmaDevs, parseRdmaLinks } from '../../../main/host/parse-net'
import {
  parseEthtoolInfo,
  parseLspci,
  parseModules,
  parseOsRelease,
  parseSysfsBool,
  parseSysfsInt,
  parseSysfsList,
  parseUname,
} from '../../../main/host/parse-system'
import { ctxOf, KERNELS, loadFixture } from './fixture'

function must<T>(r: { ok: true; value: T } | { ok: false; issue: unknown }): T {
  if (!r.ok) throw new Error(`parse failed: ${JSON.stringify(r.issue)}`)
  return r.value
}

describe.each(KERNELS)('ip / rdma / system outputs from netdevsim on %s', (kernel) => {
  it('ip -j link show of a PF with vfinfo_list', async () => {
    const f = await loadFixture('14_', kernel)
    const [pf] = must(parseIpLinks(ctxOf(f.command), f.json[0] ?? ''))
    expect(pf).toMatchObject({ ifindex: 3, ifname: 'eni10np1', operstate: 'DOWN', vfCount: 4 })
    expect(pf?.vfs.map((v) => v.vf)).toEqual([0, 1, 2, 3])
    expect(pf?.vfs[0]).toEqual({
      vf: 0,
      mac: '00:00:00:00:00:00',
      spoofchk: false,
      linkState: 'auto',
      trust: false,
    })
  })

  it('ip -j -d link show: phys attrs, parent bus, altnames, reps without vfinfo', async () => {
    const f = await loadFixture('21_', kernel)
    const links = must(parseIpLinks(ctxOf(f.command), f.json[0] ?? ''))
    const byName = new Map(links.map((l) => [l.ifname, l]))
    expect(byName.get('ens2')).toMatchObject({ parentBus: 'pci', parentDev: '0000:00:02.0' })
    expect(byName.get('ens2')?.altnames).toEqual(['enp0s2'])
    expect(byName.get('eni10np1')).toMatchObject({
      physPortName: 'p1',
      parentBus: 'netdevsim',
      parentDev: 'netdevsim10',
    })
    expect(byName.get('eni10np1')?.physSwitchId).toMatch(/^[0-9a-f]{40,64}$/)
    const reps = links.filter((l) => /^pf0vf\d$/.test(l.physPortName ?? ''))
    expect(reps.map((r) => r.ifname)).toEqual([
      'eni10npf0vf0',
      'eni10npf0vf1',
      'eni10npf0vf2',
      'eni10npf0vf3',
    ])
    expect(new Set(reps.map((r) => r.physSwitchId)).size).toBe(1)
  })

  it('rdma link / dev: empty arrays and an rxe device', async () => {
    const before = await loadFixture('01_', kernel)
    expect(must(parseRdmaLinks(ctxOf('rdma -j link show'), before.json[0] ?? ''))).toEqual([])
    expect(must(parseRdmaDevs(ctxOf('rdma -j dev show'), before.json[1] ?? ''))).toEqual([])
    const rxe = await loadFixture('82_', kernel)
    expect(must(parseRdmaLinks(ctxOf('rdma -j link show'), rxe.json[0] ?? ''))).toEqual([
      {
        device: 'rxe_eni10np1',
        port: 1,
        state: 'ACTIVE',
        physicalState: 'LINK_UP',
        netdev: 'eni10np1',
        netdevIndex: 25,
      },
    ])
    const [dev] = must(parseRdmaDevs(ctxOf('rdma -j dev show'), rxe.json[1] ?? ''))
    expect(dev).toMatchObject({ index: 0, name: 'rxe_eni10np1', nodeType: 'ca' })
  })

  it('uname -r from the capture header', async () => {
    const f = await loadFixture('00_', kernel)
    const release = f.stdout.split(' ')[2] ?? ''
    expect(must(parseUname(ctxOf('uname -r'), `${release}\n`))).toBe(
      kernel === '6.1' ? '6.1.0-56-amd64' : '6.12.117+deb12-amd64',
    )
  })
})

describe.each(KERNELS)('ip / rdma / system outputs from netdevsim on %s (2)', (kernel) => {
  it('lsmod lines', async () => {
    const f = await loadFixture('03_', kernel)
    const lsmod = f.stdout
      .split('\n')
      .filter((l) => /^(Module|netdevsim|psample)\s/.test(l))
      .join('\n')
    const mods = must(parseModules(ctxOf('lsmod'), lsmod))
    expect(mods.map((m) => [m.name, m.refcount, m.usedBy])).toEqual([
      ['netdevsim', 0, []],
      ['psample', 1, ['netdevsim']],
    ])
  })

  it('ethtool -i of the uplink and a representor', async () => {
    const f = await loadFixture('25_', kernel)
    const [pf, rep] = f.stdout.split('\n\n')
    expect(must(parseEthtoolInfo(ctxOf('ethtool -i'), pf ?? ''))).toMatchObject({
      driver: 'netdevsim',
      busInfo: 'netdevsim10',
      firmwareVersion: '10.20.30',
    })
    expect(must(parseEthtoolInfo(ctxOf('ethtool -i'), rep ?? '')).driver).toBe('netdevsim')
  })

  it('sysfs values', async () => {
    const f = await loadFixture('13_', kernel)
    expect(must(parseSysfsInt(ctxOf('cat sriov_numvfs'), f.stdout.split('\n')[0] ?? ''))).toBe(4)
  })
})

describe('system outputs quoted in docs/domain.md', () => {
  const ctx = ctxOf('test')
  it('/proc/modules with dependents and taints', () => {
    const text =
      'mlx5_ib 466944 0 - Live 0xffffffffc0a1c000\nib_uverbs 184320 1 mlx5_ib, Live 0xffffffffc09a0000\nmlx5_core 2174976 1 mlx5_ib, Live 0xffffffffc0600000 (OE)\n'
    const mods = must(parseModules(ctx, text))
    expect(mods.map((m) => [m.name, m.usedBy, m.state])).toEqual([
      ['mlx5_ib', [], 'Live'],
      ['ib_uverbs', ['mlx5_ib'], 'Live'],
      ['mlx5_core', ['mlx5_ib'], 'Live'],
    ])
    expect(parseModules(ctx, 'mlx5_core banana 1').ok).toBe(false)
  })

  it('lspci -D -nn lines: PF, VF, dead device', () => {
    const text = [
      '0101:00:00.0 Ethernet controller [0200]: Mellanox Technologies MT2894 Family [ConnectX-6 Lx] [15b3:101f]',
      '0000:81:00.2 Ethernet controller [0200]: Mellanox Technologies MT27800 Family [ConnectX-5 Virtual Function] [15b3:1018]',
      '0000:c4:00.0 Unassigned class [ffff]: Mellanox Technologies MT27800 Family [ConnectX-5] [15b3:1017] (rev ff)',
    ].join('\n')
    const [pf, vf, dead] = must(parseLspci(ctx, text))
    expect(pf).toEqual({
      bdf: '0101:00:00.0',
      className: 'Ethernet controller',
      classId: '0200',
      vendorId: '15b3',
      deviceId: '101f',
      description: 'Mellanox Technologies MT2894 Family [ConnectX-6 Lx]',
      isVf: false,
    })
    expect(vf?.isVf).toBe(true)
    expect(dead).toMatchObject({ classId: 'ffff', rev: 'ff', deviceId: '1017' })
    expect(parseLspci(ctx, 'c1:01.2 Ethernet controller: Mellanox').ok).toBe(false)
    expect(must(parseLspci(ctx, ''))).toEqual([])
  })

  it('os-release, sysfs values, ethtool -i of an mlx5 rep', () => {
    const os = must(
      parseOsRelease(ctx, 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n'),
    )
    expect(os).toEqual({ PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)', ID: 'debian' })
    expect(parseOsRelease(ctx, 'this is not os-release').ok).toBe(false)
    expect(must(parseSysfsInt(ctx, '0x15b3\n'))).toBe(0x15b3)
    expect(parseSysfsInt(ctx, 'cat: x: Operation not supported').ok).toBe(false)
    expect(must(parseSysfsBool(ctx, '0\n'))).toBe(false)
    expect(must(parseSysfsList(ctx, 'flr bus\n'))).toEqual(['flr', 'bus'])
    const rep = must(
      parseEthtoolInfo(
        ctx,
        'driver: mlx5e_rep\nversion: 6.12.0\nfirmware-version: 22.39.1002\nbus-info: \n',
      ),
    )
    expect(rep).toMatchObject({ driver: 'mlx5e_rep', busInfo: '' })
    expect(parseUname(ctx, '').ok).toBe(false)
  })
})
