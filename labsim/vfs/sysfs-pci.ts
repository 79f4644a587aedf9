import { hexId } from '../model/catalog'
import {
  driverBind,
  driverUnbind,
  driversProbe,
  PASSTHROUGH_DRIVERS,
  passthroughBind,
  passthroughUnbind,
} from '../model/driver'
import { KernelError } from '../model/errno'
import { fatalFlow } from '../model/health'
import type { Kernel } from '../model/kernel'
import type { Pf, Vf } from '../model/mlx5-types'
import { resetVf, setNumVfs } from '../model/sriov'
import type { VDir, VNode } from './nodes'
import { attr, dir, lazyDir, link, rwAttr, woAttr } from './nodes'
import { deviceInfiniband, deviceNet } from './sysfs-net'

/** Non-mlx5 PCI functions every simulated host has (host bridge, root port, management NIC). */
const staticDevices: {
  bdf: string
  vendor: number
  device: number
  cls: string
  driver?: string
}[] = [
  { bdf: '0000:00:00.0', vendor: 0x8086, device: 0x1237, cls: '0x060000' },
  { bdf: '0000:00:01.0', vendor: 0x8086, device: 0x7000, cls: '0x060400', driver: 'pcieport' },
  { bdf: '0000:00:03.0', vendor: 0x8086, device: 0x100e, cls: '0x020000', driver: 'e1000' },
]

/** Parses a sysfs integer store like kstrtou16 (trailing newline allowed). */
export function parseStoreInt(value: string): number {
  const text = value.trim()
  if (!/^\d+$/.test(text)) throw new KernelError('EINVAL')
  return Number(text)
}

function driverLink(name: string): VNode {
  return link(`../../../../bus/pci/drivers/${name}`)
}

const pfDirs = new WeakMap<Pf, VDir>()
const vfDirs = new WeakMap<Vf, VDir>()

/** A directory whose fixed entries are built once and dynamic ones (`driver`, `virtfn*`) per lookup. */
function cachedDir(fixed: [string, VNode][], dynamic: () => [string, VNode][]): VDir {
  const base = new Map(fixed)
  const entries = (): Map<string, VNode> => {
    const extra = dynamic()
    if (extra.length === 0) return base
    const out = new Map(base)
    for (const [k, v] of extra) out.set(k, v)
    return out
  }
  return {
    kind: 'dir',
    entries,
    get: (name) => base.get(name) ?? dynamic().find(([k]) => k === name)?.[1],
  }
}

function pfDir(kernel: Kernel, pf: Pf): VDir {
  const cached = pfDirs.get(pf)
  if (cached) return cached
  const node = buildPfDir(kernel, pf)
  pfDirs.set(pf, node)
  return node
}

function buildPfDir(kernel: Kernel, pf: Pf): VDir {
  return cachedDir(pfEntries(kernel, pf), () => {
    const entries: [string, VNode][] = []
    if (pf.bound) entries.push(['driver', driverLink('mlx5_core')])
    for (const vf of pf.vfs) entries.push([`virtfn${vf.index}`, link(`../${vf.bdf}`)])
    entries.push(...auxDevices(kernel, pf))
    return entries
  })
}

/**
 * Auxiliary devices mlx5_core creates under the PF (docs/domain.md §1.6): `mlx5_core.eth.N` and
 * `mlx5_core.rdma.N` in legacy, swapped for `.eth-rep.N`/`.rdma-rep.N` in switchdev by the
 * rescan in `esw_mode_change`. N is the PF's probe index on the host.
 */
function auxDevices(kernel: Kernel, pf: Pf): [string, VNode][] {
  if (!pf.bound || pf.state === 'unloaded') return []
  const n = kernel.pfs.indexOf(pf)
  const suffix = pf.offloads ? '-rep' : ''
  const driver = (name: string): VNode =>
    dir(() => [['driver', link(`../../../../../bus/auxiliary/drivers/${name}`)]])
  const ib = kernel.modules.has('mlx5_ib')
  return [
    [`mlx5_core.eth${suffix}.${n}`, driver(`mlx5_core.eth${suffix}`)],
    [
      `mlx5_core.rdma${suffix}.${n}`,
      ib ? driver(`mlx5_ib.${pf.offloads ? 'rep' : 'rdma'}`) : dir(() => []),
    ],
  ]
}

function pfEntries(kernel: Kernel, pf: Pf): [string, VNode][] {
  {
    const entries: [string, VNode][] = [
      ['vendor', attr(() => '0x15b3')],
      ['device', attr(() => hexId(pf.card.info.deviceId))],
      ['subsystem_vendor', attr(() => '0x15b3')],
      ['subsystem_device', attr(() => '0x0016')],
      ['class', attr(() => '0x020000')],
      ['numa_node', attr(() => 0)],
      ['current_link_speed', attr(() => '16.0 GT/s PCIe')],
      ['current_link_width', attr(() => 16)],
      ['sriov_totalvfs', attr(() => pf.totalVfs)],
      [
        'sriov_numvfs',
        rwAttr(
          () => pf.numVfs,
          (v) => setNumVfs(kernel, pf, parseStoreInt(v)),
        ),
      ],
      [
        'sriov_drivers_autoprobe',
        rwAttr(
          () => (pf.autoprobe ? 1 : 0),
          (v) => void (pf.autoprobe = parseStoreInt(v) !== 0),
        ),
      ],
      ['sriov_offset', attr(() => 2)],
      ['sriov_stride', attr(() => 1)],
      ['sriov_vf_device', attr(() => pf.card.info.vfDeviceId.toString(16))],
      ['reset', woAttr((v) => resetPf(kernel, pf, v))],
      [
        'reset_method',
        rwAttr(
          () => 'flr bus',
          () => undefined,
        ),
      ],
      ['net', deviceNet(kernel, 'pci', pf.bdf)],
      ['infiniband', deviceInfiniband(kernel, pf.bdf)],
    ]
    return entries
  }
}

async function resetPf(kernel: Kernel, pf: Pf, value: string): Promise<void> {
  if (value.trim() !== '1') throw new KernelError('EINVAL')
  kernel.fwTrace(pf, 'function level reset requested')
  await kernel.clock.sleep(100)
  // mlx5 has no reset_prepare/reset_done: the health poller sees the disabled NIC and runs
  // the fatal → recover flow (docs/domain.md §3.2, §8 item 5).
  void fatalFlow(kernel, pf, 3).catch(() => undefined)
}

function vfDir(kernel: Kernel, pf: Pf, vf: Vf): VDir {
  const cached = vfDirs.get(vf)
  if (cached) return cached
  const node = cachedDir(vfEntries(kernel, pf, vf), () => {
    const driver = vf.bound ? 'mlx5_core' : vf.passthrough
    return driver ? [['driver', driverLink(driver)]] : []
  })
  vfDirs.set(vf, node)
  return node
}

function vfEntries(kernel: Kernel, pf: Pf, vf: Vf): [string, VNode][] {
  {
    const entries: [string, VNode][] = [
      ['vendor', attr(() => '0x15b3')],
      ['device', attr(() => hexId(pf.card.info.vfDeviceId))],
      ['class', attr(() => '0x020000')],
      ['numa_node', attr(() => 0)],
      ['physfn', link(`../${pf.bdf}`)],
      [
        'reset',
        woAttr(async (v) => {
          if (v.trim() !== '1') throw new KernelError('EINVAL')
          await resetVf(kernel, pf, vf)
        }),
      ],
      [
        'reset_method',
        rwAttr(
          () => 'flr',
          () => undefined,
        ),
      ],
      ['net', deviceNet(kernel, 'pci', vf.bdf)],
      ['infiniband', deviceInfiniband(kernel, vf.bdf)],
    ]
    return entries
  }
}

function staticDir(kernel: Kernel, d: (typeof staticDevices)[number]): VDir {
  return dir(() => {
    const entries: [string, VNode][] = [
      ['net', deviceNet(kernel, 'pci', d.bdf)],
      ['vendor', attr(() => hexId(d.vendor))],
      ['device', attr(() => hexId(d.device))],
      ['class', attr(() => d.cls)],
    ]
    if (d.driver) entries.push(['driver', driverLink(d.driver)])
    return entries
  })
}

/** BDFs of every PCI function, sorted. */
export function pciNames(kernel: Kernel): string[] {
  const names = staticDevices.map((d) => d.bdf)
  for (const pf of kernel.pfs) names.push(pf.bdf, ...pf.vfs.map((v) => v.bdf))
  return names.sort()
}

/** The directory of one PCI function (`/sys/devices/pci0000:00/0000:00:01.0/<bdf>`). */
export function pciFunction(kernel: Kernel, bdf: string): VNode | undefined {
  const fixed = staticDevices.find((d) => d.bdf === bdf)
  if (fixed) return staticDir(kernel, fixed)
  for (const pf of kernel.pfs) {
    if (pf.bdf === bdf) return pfDir(kernel, pf)
    const vf = pf.vfs.find((v) => v.bdf === bdf)
    if (vf) return vfDir(kernel, pf, vf)
  }
  return undefined
}

/** All PCI function directories. */
export function pciFunctions(kernel: Kernel): VDir {
  return lazyDir(
    () => pciNames(kernel),
    (bdf) => pciFunction(kernel, bdf),
  )
}

/** `/sys/bus/pci/drivers/<passthrough>`: `bind`, `unbind`, `new_id` and links to its VFs. */
function passthroughDir(kernel: Kernel, driver: string): VDir {
  return dir(() => {
    const entries: [string, VNode][] = [
      ['bind', woAttr((v) => passthroughBind(kernel, driver, v.trim()))],
      ['unbind', woAttr((v) => passthroughUnbind(kernel, driver, v.trim()))],
      ['new_id', woAttr(() => undefined)],
    ]
    for (const pf of kernel.pfs)
      for (const vf of pf.vfs)
        if (vf.passthrough === driver)
          entries.push([vf.bdf, link(`../../../../devices/pci0000:00/0000:00:01.0/${vf.bdf}`)])
    return entries
  })
}

/**
 * `/sys/bus/pci`: `devices/*` links, `drivers/mlx5_core/{bind,unbind,<bdf>}`, the passthrough
 * drivers (`drivers/vfio-pci/…`), `drivers_probe`.
 */
export function busPci(kernel: Kernel): VDir {
  const devices = lazyDir(
    () => pciNames(kernel),
    (bdf) =>
      pciFunction(kernel, bdf)
        ? link(`../../../devices/pci0000:00/0000:00:01.0/${bdf}`)
        : undefined,
  )
  const mlx5 = dir(() => {
    const entries: [string, VNode][] = [
      ['bind', woAttr((v) => driverBind(kernel, v.trim()))],
      ['unbind', woAttr((v) => driverUnbind(kernel, v.trim()))],
      ['new_id', woAttr(() => undefined)],
      ['module', link('../../../../module/mlx5_core')],
    ]
    for (const pf of kernel.pfs) {
      if (pf.bound)
        entries.push([pf.bdf, link(`../../../../devices/pci0000:00/0000:00:01.0/${pf.bdf}`)])
      for (const vf of pf.vfs)
        if (vf.bound)
          entries.push([vf.bdf, link(`../../../../devices/pci0000:00/0000:00:01.0/${vf.bdf}`)])
    }
    return entries
  })
  const drivers = dir(() => [
    ...(kernel.modules.has('mlx5_core') ? [['mlx5_core', mlx5] as [string, VNode]] : []),
    ...PASSTHROUGH_DRIVERS.map((d): [string, VNode] => [d, passthroughDir(kernel, d)]),
  ])
  return dir(() => [
    ['devices', devices],
    ['drivers', drivers],
    ['drivers_probe', woAttr((v) => driversProbe(kernel, v.trim()))],
    ['drivers_autoprobe', attr(() => '1\n')],
  ])
}
