import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { parseIpLinks } from '../../../main/host/parse-net'
import { testHost } from './sim'

// Issue 21 item 2: discovery reads `ip -j -d addr show` (links plus their addresses, one round
// trip) to tell VFs in use. The shape comes from iproute2 6.1 on Debian 12
// (test/fixtures/iproute2/, veth and loopback in a network namespace); labsim prints the same.

const FIXTURES = join(__dirname, '../../fixtures/iproute2')
const PF0 = '/sys/bus/pci/devices/0000:08:00.0'

type Obj = Record<string, unknown>

async function real(name: string): Promise<Obj[]> {
  return JSON.parse(await readFile(join(FIXTURES, name), 'utf8')) as Obj[]
}

function addrOf(links: Obj[], ifname: string): Obj[] {
  return (links.find((l) => l.ifname === ifname)?.addr_info as Obj[] | undefined) ?? []
}

const keys = (o: Obj | undefined): string[] => Object.keys(o ?? {}).sort()

describe('ip -j -d addr show', () => {
  it('the real capture parses: global addresses kept, host and link scope left out', async () => {
    const text = await readFile(join(FIXTURES, 'ip_j_d_addr_show.txt'), 'utf8')
    const r = parseIpLinks({ host: 'netns', command: 'ip -j -d addr show' }, text)
    expect(r.ok).toBe(true)
    const links = r.ok ? r.value : []
    const by = (n: string) => links.find((l) => l.ifname === n)
    expect(by('va')?.addresses).toEqual(['192.0.2.10/24', '2001:db8::10/64'])
    expect(by('vb')?.addresses).toEqual([]) // fe80:: only
    expect(by('lo')?.addresses).toEqual([]) // 127.0.0.1/8 and ::1/128, scope host
    expect(by('va')?.flags).toContain('UP')
  })

  it("labsim prints iproute2 6.1's shape: no linkmode or addr_gen_mode, addr_info entries alike", async () => {
    const captured = await real('ip_j_d_addr_show.txt')
    const link = await real('ip_j_d_link_show.txt')
    const h = testHost()
    expect((await h.run('ip addr add 192.0.2.10/24 dev enp8s0f0np0')).code).toBe(0)
    expect((await h.run('ip addr add 2001:db8::10/64 dev enp8s0f0np0')).code).toBe(0)
    const sim = JSON.parse((await h.run('ip -j -d addr show')).stdout) as Obj[]
    // `addr show` leaves out what only `link show` asks the kernel for, in both.
    for (const gone of ['linkmode', 'inet6_addr_gen_mode']) {
      expect(link.some((l) => gone in l)).toBe(true)
      expect(captured.some((l) => gone in l)).toBe(false)
      expect(sim.some((l) => gone in l)).toBe(false)
    }
    expect(sim.every((l) => Array.isArray(l.addr_info))).toBe(true)
    // Each kind of address entry has the real one's keys in the real one's order.
    const up = addrOf(sim, 'enp8s0f0np0')
    const va = addrOf(captured, 'va')
    expect(up.map((a) => `${String(a.family)} ${String(a.scope)}`)).toEqual([
      'inet global',
      'inet6 global',
      'inet6 link',
    ])
    for (let i = 0; i < 3; i++)
      expect(Object.keys(up[i]!)).toEqual(Object.keys(va[i] ?? addrOf(captured, 'vb')[0]!))
    expect(addrOf(sim, 'lo').map((a) => keys(a))).toEqual(
      addrOf(captured, 'lo').map((a) => keys(a)),
    )
    expect(addrOf(sim, 'lo').map((a) => `${String(a.local)}/${String(a.prefixlen)}`)).toEqual([
      '127.0.0.1/8',
      '::1/128',
    ])
    // The link keys the two share come in the same order.
    const simKeys = Object.keys(sim.find((l) => l.ifname === 'lo')!)
    const realKeys = Object.keys(captured.find((l) => l.ifname === 'lo')!)
    expect(simKeys.filter((k) => realKeys.includes(k))).toEqual(
      realKeys.filter((k) => simKeys.includes(k)),
    )
  })

  it('add and del answer as iproute2 does for duplicates and missing addresses', async () => {
    const h = testHost()
    expect((await h.run('ip addr add 10.1.1.1/24 dev enp8s0f0np0')).code).toBe(0)
    expect(await h.run('ip addr add 10.1.1.1/24 dev enp8s0f0np0')).toMatchObject({
      code: 2,
      stderr: 'RTNETLINK answers: File exists\n',
    })
    expect((await h.run('ip addr del 10.1.1.1/24 dev enp8s0f0np0')).code).toBe(0)
    expect(await h.run('ip addr del 10.1.1.1/24 dev enp8s0f0np0')).toMatchObject({
      code: 2,
      stderr: 'RTNETLINK answers: Cannot assign requested address\n',
    })
    expect((await h.run('ip addr add 10.1.1.1/24 dev nope0')).code).toBe(1)
    expect((await h.run('ip -br addr show dev enp8s0f0np0')).code).toBe(0)
    expect((await h.run('ip addr show dev enp8s0f0np0')).stdout).not.toContain('10.1.1.1')
  })
})

describe('vfio-pci', () => {
  it('a VF unbound from mlx5_core binds to vfio-pci; mlx5_core cannot take it back until it is released', async () => {
    const h = testHost()
    expect((await h.run(`echo 2 > ${PF0}/sriov_numvfs`)).code).toBe(0)
    const vf = (await h.run(`readlink ${PF0}/virtfn1`)).stdout.trim().split('/').pop()!
    expect((await h.run(`echo ${vf} > /sys/bus/pci/drivers/mlx5_core/unbind`)).code).toBe(0)
    expect((await h.run(`echo ${vf} > /sys/bus/pci/drivers/vfio-pci/bind`)).code).toBe(0)
    expect((await h.run(`readlink /sys/bus/pci/devices/${vf}/driver`)).stdout).toMatch(
      /drivers\/vfio-pci\n$/,
    )
    expect((await h.run(`echo ${vf} > /sys/bus/pci/drivers/mlx5_core/bind`)).code).not.toBe(0)
    // drivers_probe leaves a function that has a driver alone.
    expect((await h.run(`echo ${vf} > /sys/bus/pci/drivers_probe`)).code).toBe(0)
    expect((await h.run(`readlink /sys/bus/pci/devices/${vf}/driver`)).stdout).toMatch(/vfio-pci/)
    expect((await h.run(`echo ${vf} > /sys/bus/pci/drivers/vfio-pci/unbind`)).code).toBe(0)
    expect((await h.run(`echo ${vf} > /sys/bus/pci/drivers/mlx5_core/bind`)).code).toBe(0)
    expect((await h.run(`readlink /sys/bus/pci/devices/${vf}/driver`)).stdout).toMatch(/mlx5_core/)
  })
})
