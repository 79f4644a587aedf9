import { rm } from 'node:fs/promises'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HostSnapshot } from '../../../contract/snapshot'
import { discover, discoverWithSections, refreshParts } from '../../../main/host/discover'
import { buildDiscoveryScript, splitSections } from '../../../main/host/discovery-script'
import { lacksPhysAttrs } from '../../../main/host/snapshot-build'
import { requireSystemDeps } from '../../helpers/system-deps'
import { createFakeHost, fakeRunner, type FakeHost } from './fake-host'
import { addr, mlx5Spec, nsimSpec } from './fake-specs'

const SHELLS: string[][] = [['/usr/bin/dash'], ['/usr/bin/busybox', 'sh'], ['/bin/bash']]
beforeAll(() => requireSystemDeps(['dash', 'busybox', 'bash']))
const NOW = () => new Date('2026-11-21T14:00:00Z')

describe('the discovery script under dash, busybox sh and bash (fake mlx5 host)', () => {
  let host: FakeHost
  beforeAll(async () => {
    host = await createFakeHost(mlx5Spec())
  })
  afterAll(() => host.dispose())

  it('prints the same framed output under every shell', async () => {
    const { script, marker, stdin } = buildDiscoveryScript({
      nonce: 'testnonce01',
      root: host.root,
    })
    const outputs = await Promise.all(SHELLS.map((sh) => host.run(sh, script, stdin)))
    expect(outputs[1]).toBe(outputs[0])
    expect(outputs[2]).toBe(outputs[0])
    const sections = splitSections(outputs[0] ?? '', marker)
    expect(sections.every((s) => s.code !== null)).toBe(true)
    const pcidevs = sections.filter((s) => s.name === 'pcidev').map((s) => s.arg.split('/').pop())
    // SR-IOV capable functions, Mellanox or not; VFs only through their PF.
    expect(pcidevs.sort()).toEqual(['0000:00:03.0', '0000:08:00.0', '0000:08:00.1'])
    const esw = sections.filter((s) => s.name === 'eswitch').map((s) => s.arg)
    expect(esw).toContain('pci/0000:08:00.0')
  })

  it('reads a link cd cannot follow (dangling) with readlink, under every shell', async () => {
    const spec = mlx5Spec()
    const dangling = await createFakeHost({
      ...spec,
      dirs: (spec.dirs ?? []).filter((d) => d !== 'sys/bus/pci/drivers/i40e'),
    })
    try {
      await rm(join(dangling.root, 'sys/bus/pci/drivers/i40e'), { recursive: true, force: true })
      for (const sh of SHELLS) {
        const snap = await discover(fakeRunner(dangling, sh), {
          hostName: 'lab1',
          timeoutMs: 5000,
          root: dangling.root,
        })
        const pf = snap.devices.find((d) => d.handle === 'pci/0000:00:03.0')
        expect(pf?.driver).toBe('i40e')
      }
    } finally {
      await dangling.dispose()
    }
  })

  it.each(SHELLS.map((sh) => ({ sh, name: sh.join(' ') })))(
    'discover() over $name: one round trip, derived relations',
    async ({ sh }) => {
      const runner = fakeRunner(host, sh)
      const snap = await discover(runner, {
        hostName: 'lab1',
        timeoutMs: 5000,
        root: host.root,
        now: NOW,
      })
      expect(runner.calls).toHaveLength(1)
      expect(HostSnapshot.safeParse(snap).success).toBe(true)
      expect(snap.errors).toEqual([])
      expect(snap.stats?.roundTrips).toBe(1)
      expect(snap.host).toMatchObject({
        name: 'lab1',
        kernel: '6.12.0-55.el9.x86_64',
        os: 'Rocky Linux 9.5 (Blue Onyx)',
        modules: { mlx5_core: true, mlx5_ib: true, vfio_pci: true },
      })
      expect(snap.devices.map((d) => d.handle)).toEqual([
        'pci/0000:08:00.0',
        'pci/0000:08:00.1',
        'pci/0000:08:00.2',
        'pci/0000:00:03.0',
      ])
      // An SR-IOV PF of another vendor (i40e here) is a device too: no devlink, PCI SR-IOV only.
      expect(snap.devices.find((d) => d.handle === 'pci/0000:00:03.0')).toMatchObject({
        driver: 'i40e',
        devlink: false,
        eswitch: null,
        ports: [],
        sriov: { bus: 'pci', sysfs: '/sys/bus/pci/devices/0000:00:03.0', numvfs: 0, totalvfs: 64 },
      })
      expect(snap.devices.find((d) => d.handle === 'pci/0000:08:00.0')).toMatchObject({
        devlink: true,
        sriov: { bus: 'pci', numvfs: 2 },
      })
      checkDevicesAndPorts(snap)
      checkHealthCardsExtras(snap)
    },
  )
})

describe.each(['6.1', '6.12'] as const)(
  'discovery of the captured netdevsim host (%s)',
  (kernel) => {
    let host: FakeHost
    beforeAll(async () => {
      host = await createFakeHost(await nsimSpec(kernel))
    })
    afterAll(() => host.dispose())

    it('builds the docs/design.md snapshot keys from real outputs', async () => {
      const runner = fakeRunner(host, ['/usr/bin/dash'])
      const { snapshot: snap, sections } = await discoverWithSections(runner, {
        ...{ hostName: 'nsim', timeoutMs: 5000, root: host.root, now: NOW },
      })
      expect(HostSnapshot.safeParse(snap).success).toBe(true)
      expect(snap.errors).toEqual([])
      expect(snap.host.modules).toEqual({ mlx5_core: false, mlx5_ib: false, netdevsim: true })
      const [dev] = snap.devices
      expect(dev).toMatchObject({
        handle: 'netdevsim/netdevsim10',
        driver: 'netdevsim',
        pci: null,
        eswitch: { mode: 'switchdev' },
        uplink: 'eni10np1',
        crdump: null,
        info: { driver: 'netdevsim', fwVersion: '10.20.30' },
      })
      expect(dev?.ports.map((p) => [p.index, p.netdev, p.vfnum, p.ibRep])).toEqual([
        [0, 'eni10np1', undefined, null],
        [128, 'eni10npf0vf0', 0, null],
        [129, 'eni10npf0vf1', 1, null],
        [130, 'eni10npf0vf2', 2, null],
        [131, 'eni10npf0vf3', 3, null],
      ])
      expect(dev?.health.map((h) => h.reporter)).toEqual(['empty', 'dummy'])
      expect(snap.rdma).toEqual([])
      expect(snap.netdevs?.find((n) => n.ifname === 'eni10np1')?.vfCount).toBe(4)
      const again = await refreshParts(
        runner,
        { hostName: 'nsim', timeoutMs: 5000, root: host.root },
        sections,
        ['ip', 'rdma'],
      )
      expect(runner.calls).toHaveLength(2)
      expect(runner.calls[1]).not.toContain('devlink')
      expect(again.snapshot.devices).toEqual(snap.devices)
    })
  },
)

/** PF/VF/representor/IB relations of the fake mlx5 host. */
function checkDevicesAndPorts(snap: HostSnapshot): void {
  const [pf0, pf1, vfDev] = snap.devices
  expect(pf0?.eswitch).toEqual({ mode: 'switchdev', inlineMode: 'none', encapMode: 'basic' })
  expect(pf1?.eswitch?.mode).toBe('legacy')
  expect(vfDev?.eswitch).toBeNull()
  // A VF bound to mlx5_core has its own devlink instance, described from its PF's sysfs.
  expect(vfDev).toMatchObject({ driver: 'mlx5_core', uplink: null })
  expect(vfDev?.card).toBeUndefined()
  expect(vfDev?.pci).toMatchObject({ bdf: '0000:08:00.2', deviceId: '101e', numvfs: 0 })
  expect(pf0?.pci).toMatchObject({
    numvfs: 2,
    totalvfs: 8,
    deviceId: '101d',
    resetMethod: ['flr', 'bus'],
  })
  expect(pf0?.pci?.model).toBe('Mellanox Technologies MT2892 Family [ConnectX-6 Dx]')
  expect(pf0?.pci?.vfs).toEqual([
    // VF 0's reset_method is readable (flr); VF 1's is not, so it has none.
    { bdf: '0000:08:00.2', vf: 0, driver: 'mlx5_core', netdev: 'enp8s0f0v0', resetMethod: ['flr'] },
    // Bound to a passthrough driver: in use (issue 21 item 2).
    { bdf: '0000:08:00.3', vf: 1, driver: 'vfio-pci', netdev: null, inUse: 'bound to vfio-pci' },
  ])
  // Addresses of global scope are kept, link-local ones are not.
  expect(snap.netdevs?.find((n) => n.ifname === 'enp8s0f0np0')?.addresses).toEqual([
    '198.51.100.7/24',
  ])
  expect(snap.netdevs?.find((n) => n.ifname === 'enp8s0f0v0')?.addresses).toEqual([])
  // The uplink port lives on auxiliary/mlx5_core.eth.0 and is folded into its PF.
  expect(pf0?.ports.map((p) => [p.index, p.flavour, p.netdev, p.physPortName])).toEqual([
    [1, 'pcivf', 'enp8s0f0npf0vf0', 'pf0vf0'],
    [2, 'pcivf', 'enp8s0f0npf0vf1', 'pf0vf1'],
    [65535, 'physical', 'enp8s0f0np0', 'p0'],
  ])
  expect(pf0?.ports[0]).toMatchObject({
    ibRep: { device: 'mlx5_0', port: 2 },
    vfBdf: '0000:08:00.2',
    vfDriver: 'mlx5_core',
    hwAddr: '02:00:00:00:00:10',
    functionState: 'active',
    operstate: 'UP',
  })
  expect(pf0?.ports[1]).toMatchObject({
    ibRep: { device: 'mlx5_0', port: 3 },
    vfDriver: 'vfio-pci',
  })
  expect(pf0?.ports[2]?.ibRep).toEqual({ device: 'mlx5_0', port: 4 })
  expect(pf1?.ports[0]).toMatchObject({ index: 131071, netdev: 'enp8s0f1np1', ibRep: null })
}

/** Health, crdump, LAG, cards, tracer and rdma parents of the fake mlx5 host. */
function checkHealthCardsExtras(snap: HostSnapshot): void {
  const [pf0, pf1] = snap.devices
  expect(pf0?.uplink).toBe('enp8s0f0np0')
  expect(pf0?.health.map((h) => [h.reporter, h.port])).toEqual([
    ['fw', undefined],
    ['fw_fatal', undefined],
    ['tx', 65535],
    ['rx', 65535],
  ])
  expect(pf1?.health[0]?.gracePeriodMs).toBe(Number.MAX_SAFE_INTEGER)
  expect(pf0?.crdump).toBe('ofed')
  expect(pf1?.crdump).toBe('devlink')
  expect(pf0?.lag).toEqual({ active: false })
  expect(pf1?.lag).toEqual({ active: false, bond: 'bond0' })
  expect(snap.cards).toEqual([
    {
      id: 'sn/MT2232X12345',
      serial: 'MT2232X12345',
      model: 'Mellanox Technologies MT2892 Family [ConnectX-6 Dx]',
      devices: ['pci/0000:08:00.0', 'pci/0000:08:00.1'],
    },
    // the i40e SR-IOV PF, grouped by its PCI slot (no serial without devlink)
    { id: 'pci/0000:00:03', devices: ['pci/0000:00:03.0'] },
  ])
  expect(snap.tracer).toEqual({ path: 'upstream', enabled: false })
  expect(snap.rdmaDevices?.find((d) => d.name === 'mlx5_2')?.parent).toBe('0000:08:00.2')
}

describe('VFs in use (issue 21 item 2)', () => {
  it('a VF whose netdev is up with a global address is in use; down, or link-local only, it is not', async () => {
    const spec = mlx5Spec()
    const links = JSON.parse(spec.commands['ip -j -d addr show']?.out ?? '[]') as Record<
      string,
      unknown
    >[]
    const vf0 = links.find((l) => l.ifname === 'enp8s0f0v0')!
    vf0.addr_info = [
      addr('inet', '192.0.2.10', 24, 'global', 'enp8s0f0v0'),
      addr('inet6', '2001:db8::10', 64, 'global'),
      addr('inet6', 'fe80::1', 64, 'link'),
    ]
    const run = async (patch: (l: Record<string, unknown>) => void) => {
      patch(vf0)
      const host = await createFakeHost({
        ...spec,
        commands: { ...spec.commands, 'ip -j -d addr show': { out: `${JSON.stringify(links)}\n` } },
      })
      try {
        const s = await discover(fakeRunner(host, ['/usr/bin/dash']), {
          hostName: 'h',
          timeoutMs: 5000,
          root: host.root,
        })
        return s.devices.find((d) => d.handle === 'pci/0000:08:00.0')?.pci?.vfs[0]?.inUse
      } finally {
        await host.dispose()
      }
    }
    expect(await run(() => undefined)).toBe('enp8s0f0v0 up with 192.0.2.10/24, 2001:db8::10/64')
    expect(await run((l) => (l.flags = ['BROADCAST', 'MULTICAST']))).toBeUndefined()
    expect(
      await run((l) => {
        l.flags = ['BROADCAST', 'MULTICAST', 'UP']
        l.addr_info = [addr('inet6', 'fe80::1', 64, 'link')]
      }),
    ).toBeUndefined()
  })
})

describe('old iproute2 without phys attrs in ip -d', () => {
  it('fills phys_port_name from devlink and reads phys_switch_id from sysfs when asked', async () => {
    const spec = mlx5Spec()
    const links = JSON.parse(spec.commands['ip -j -d addr show']?.out ?? '[]') as Record<
      string,
      unknown
    >[]
    for (const l of links) {
      delete l.phys_port_name
      delete l.phys_switch_id
    }
    const old = await createFakeHost({
      ...spec,
      files: {
        ...spec.files,
        'sys/class/net/enp8s0f0npf0vf0/phys_port_name': 'pf0vf0\n',
        'sys/class/net/enp8s0f0npf0vf0/phys_switch_id': '1c2c3b0003a1e4b8\n',
      },
      commands: { ...spec.commands, 'ip -j -d addr show': { out: `${JSON.stringify(links)}\n` } },
    })
    try {
      const runner = fakeRunner(old, ['/usr/bin/dash'])
      const opts = { hostName: 'old', timeoutMs: 5000, root: old.root }
      const plain = await discoverWithSections(runner, opts)
      expect(lacksPhysAttrs(plain.sections)).toBe(true)
      const rep = (s: HostSnapshot) => s.netdevs?.find((n) => n.ifname === 'enp8s0f0npf0vf0')
      expect(rep(plain.snapshot)).toMatchObject({ physPortName: 'pf0vf0' })
      expect(rep(plain.snapshot)?.physSwitchId).toBeUndefined()
      const withSysfs = await discover(runner, { ...opts, netdevPhys: true })
      expect(rep(withSysfs)).toMatchObject({
        physPortName: 'pf0vf0',
        physSwitchId: '1c2c3b0003a1e4b8',
      })
      expect(withSysfs.errors).toEqual([])
    } finally {
      await old.dispose()
    }
  })
})
