import type {
  Card,
  Device,
  HostSnapshot,
  Netdev,
  PciInfo,
  Port,
  RdmaDevice,
  SriovInfo,
} from '../../contract/snapshot'
import type { DevlinkPort } from './parse-devlink'
import type { IpLink } from './parse-net'
import type { NsimDevice, PciFunction } from './parse-sections'
import { indexSections, netdevsByPortName, type SnapshotIndex } from './snapshot-index'
import type { ParsedSections } from './snapshot-sections'

/**
 * Step two of the snapshot builder: derived relations (docs/domain.md §1.4–§1.7).
 * PF ↔ VF (sysfs `virtfn*`), VF ↔ representor port (devlink `pfnum`/`vfnum`), representor ↔
 * netdev (devlink `netdev`, else `phys_switch_id` + `phys_port_name` as ovs-tests `get_reps`
 * does), representor ↔ IB representor port (rdma link netdev), cards by serial or PCI slot,
 * LAG from mlx5 debugfs, auxiliary `mlx5_core.eth.N` instances folded into their PF (§2.2).
 */

/** Modules reported in `host.modules` besides the two required keys. */
const MODULES = ['mlx5_core', 'mlx5_ib', 'mlx5_vdpa', 'netdevsim', 'vfio_pci', 'ib_core', 'bonding']

/** Options of `buildSnapshot`. */
export interface BuildOptions {
  readonly hostName: string
  /** ISO time of the snapshot. */
  readonly takenAt: string
}

/** Builds a `HostSnapshot` from parsed sections. Pure; never throws; linear in host size. */
export function buildSnapshot(p: ParsedSections, opts: BuildOptions): HostSnapshot {
  const loaded = new Set(p.modules.map((m) => m.name))
  const modules: HostSnapshot['host']['modules'] = {
    mlx5_core: loaded.has('mlx5_core'),
    mlx5_ib: loaded.has('mlx5_ib'),
  }
  for (const m of MODULES) if (loaded.has(m)) modules[m] = true
  const ix = indexSections(p)
  const netdevs = p.links.map((l) => netdevOf(l, p, ix))
  const devices = buildDevices(p, ix, netdevs)
  const snapshot: HostSnapshot = {
    takenAt: opts.takenAt,
    host: {
      name: opts.hostName,
      kernel: p.kernel,
      modules,
      ...(p.bootId === undefined ? {} : { bootId: p.bootId }),
      ...(p.os === undefined ? {} : { os: p.os }),
    },
    devices,
    rdma: p.rdmaLinks.map(({ device, port, netdev, state, physicalState }) => ({
      ...{ device, port, netdev, state },
      ...(physicalState === undefined ? {} : { physicalState }),
    })),
    rdmaDevices: p.rdmaDevs.map((d) => withParent(d, ix)),
    netdevs,
    cards: buildCards(devices, ix),
    errors: p.issues,
  }
  if (p.tracer !== undefined) snapshot.tracer = p.tracer
  return snapshot
}

/**
 * A netdev for the snapshot. Without phys attrs from `ip -d` (old iproute2) they come from the
 * sysfs fallback section, else `physPortName` from the devlink port naming it (the kernel derives
 * phys_port_name from the port attrs, docs/domain.md §1.7).
 */
function netdevOf(l: IpLink, p: ParsedSections, ix: SnapshotIndex): Netdev {
  const { vfs: _vfs, altnames: _alt, master: _m, ...netdev } = l
  const phys = p.phys.get(l.ifname)
  const out: Netdev = { ...netdev, ...phys }
  if (out.physPortName === undefined) {
    const name = ix.portNameByNetdev.get(l.ifname)
    if (name !== undefined) out.physPortName = name
  }
  return out
}

/** True when devlink names netdevs but `ip -d` printed no phys_switch_id for any of them. */
export function lacksPhysAttrs(p: ParsedSections): boolean {
  const named = new Set(p.ports.flatMap((x) => (x.netdev === null ? [] : [x.netdev])))
  const links = p.links.filter((l) => named.has(l.ifname))
  return links.length > 0 && links.every((l) => l.physSwitchId === undefined)
}

function withParent(d: RdmaDevice, ix: SnapshotIndex): RdmaDevice {
  if (d.parent !== undefined) return d
  const parent = ix.ibParent.get(d.name)
  return parent === undefined ? d : { ...d, parent }
}

/** Context shared by the per-device builders. */
interface Ctx {
  readonly p: ParsedSections
  readonly ix: SnapshotIndex
  readonly byNetdev: Map<string, Netdev>
  readonly byPortName: Map<string, string | null>
  readonly ofed: Set<string>
}

function buildDevices(p: ParsedSections, ix: SnapshotIndex, netdevs: readonly Netdev[]): Device[] {
  const handles = new Set<string>()
  for (const d of p.devs ?? []) handles.add(ix.canon(d.handle))
  for (const f of ix.fnByBdf.values()) if (f.physfn === null) handles.add(`pci/${f.bdf}`)
  for (const n of p.nsim) handles.add(n.handle)
  const ctx: Ctx = {
    p,
    ix,
    byNetdev: new Map(netdevs.map((n) => [n.ifname, n])),
    byPortName: netdevsByPortName(netdevs),
    ofed: new Set(p.crdump.ofed),
  }
  return [...handles].map((handle) => buildDevice(handle, ctx))
}

function buildDevice(handle: string, c: Ctx): Device {
  const { p, ix } = c
  const bdf = handle.startsWith('pci/') ? handle.slice(4) : null
  const fn =
    bdf === null ? undefined : (ix.fnByBdf.get(bdf) ?? fromVf(bdf, ix) ?? fromLspci(bdf, ix))
  const nsim = p.nsim.find((n) => n.handle === handle)
  const info = p.info.get(handle)
  const eswitch = p.eswitch.get(handle) ?? null
  const pci = fn === undefined ? null : pciInfoOf(fn, ix)
  const switchdev = eswitch?.mode === 'switchdev'
  const ports = (ix.portsByHandle.get(handle) ?? [])
    .map((x) => joinPort(x, switchdev, pci, c))
    .sort((a, b) => a.index - b.index)
  const dev = p.devs?.find((x) => ix.canon(x.handle) === handle)
  // A bus device's own `driver` link is the truth when it was read (a PF's or VF's sysfs block,
  // a netdevsim bus device): an unbound function falls back to nothing, not to `devlink dev
  // info` kept from an earlier, partial read. A PF known only from lspci had no link read.
  const linkRead = bdf !== null && (ix.fnByBdf.has(bdf) || ix.vfByBdf.has(bdf))
  const driver =
    fn !== undefined && linkRead
      ? fn.driver
      : nsim !== undefined
        ? nsim.driver
        : (fn?.driver ?? info?.driver ?? null)
  const pfNetdev = fn?.physfn === null ? fn.netdevs[0] : undefined
  const uplink = ports.find((x) => x.flavour === 'physical')?.netdev ?? pfNetdev ?? null
  const reporters = ix.healthByHandle.get(handle) ?? []
  const hasFwFatal = reporters.some((r) => r.reporter === 'fw_fatal')
  const crdump = bdf !== null && c.ofed.has(bdf) ? 'ofed' : hasFwFatal ? 'devlink' : null
  return {
    handle,
    driver,
    ...(p.devs === null ? {} : { devlink: dev !== undefined }),
    ...(dev?.reloadFailed === true ? { reloadFailed: true } : {}),
    pci,
    sriov: sriovOf(fn, nsim),
    ...(nsim === undefined ? {} : { faults: nsimFaults(nsim) }),
    eswitch,
    ports,
    health: reporters.map(({ handle: _h, burstPeriodMs: _b, ...r }) => r),
    info: info ?? null,
    uplink,
    crdump,
    lag: p.lag.get(handle) ?? bondLag(fn, uplink, ix),
  }
}

const KNOB_FAULTS = {
  fail_reload: 'reload-fail',
  dont_allow_reload: 'reload-refuse',
  'health/fail_recover': 'recover-fail',
} as const

/** netdevsim's armed debugfs knobs as the contract's fault names. */
function nsimFaults(nsim: NsimDevice): NonNullable<Device['faults']> {
  return nsim.knobs.flatMap((k) =>
    k in KNOB_FAULTS ? [KNOB_FAULTS[k as keyof typeof KNOB_FAULTS]] : [],
  )
}

/** Where the device's VFs are configured (contract `SriovInfo`), or null. */
function sriovOf(fn: PciFunction | undefined, nsim: NsimDevice | undefined): SriovInfo | null {
  if (fn !== undefined && fn.physfn === null && fn.numvfs !== undefined) {
    const sysfs = `/sys/bus/pci/devices/${fn.bdf}`
    return { bus: 'pci', sysfs, numvfs: fn.numvfs, totalvfs: fn.totalvfs ?? null }
  }
  if (nsim?.numvfs === undefined) return null
  const sysfs = `/sys/bus/netdevsim/devices/${nsim.handle.slice('netdevsim/'.length)}`
  return { bus: 'netdevsim', sysfs, numvfs: nsim.numvfs, totalvfs: nsim.maxvfs ?? null }
}

/**
 * LAG where debugfs is absent: the uplink enslaved to a bond; active when mlx5_ib registered the
 * bond IB device `mlx5_bond_N` on this PF (docs/domain.md §1.8, ib main.c).
 */
function bondLag(fn: PciFunction | undefined, uplink: string | null, ix: SnapshotIndex) {
  const master = uplink === null ? undefined : ix.links.get(uplink)?.master
  if (master === undefined || fn === undefined) return null
  const active = fn.ibdevs.some((n) => /^mlx5_bond_\d+$/.test(n))
  return { active, bond: master }
}

/** A VF with its own devlink instance (bound to mlx5_core), described from its PF's sysfs. */
function fromVf(bdf: string, ix: SnapshotIndex): PciFunction | undefined {
  const hit = ix.vfByBdf.get(bdf)
  if (hit === undefined) return undefined
  const { pf, vf } = hit
  return {
    ...{ bdf, vendorId: pf.vendorId, deviceId: ix.lspciByBdf.get(bdf)?.deviceId ?? '' },
    ...{ driver: vf.driver, physfn: pf.bdf, netdevs: vf.netdevs, ibdevs: vf.ibdevs },
    ...{ aux: [], vfs: [] },
  }
}

/** A PF seen by devlink and lspci but without a sysfs block (no SR-IOV capability). */
function fromLspci(bdf: string, ix: SnapshotIndex): PciFunction | undefined {
  const l = ix.lspciByBdf.get(bdf)
  if (l === undefined || l.isVf || ix.vfByBdf.has(bdf)) return undefined
  return {
    ...{ bdf, vendorId: l.vendorId ?? '', deviceId: l.deviceId ?? '', driver: null },
    ...{ physfn: null, netdevs: [], ibdevs: [], aux: [], vfs: [] },
  }
}

function pciInfoOf(fn: PciFunction, ix: SnapshotIndex): PciInfo {
  const lspci = ix.lspciByBdf.get(fn.bdf)
  const pfLink = fn.netdevs.map((n) => ix.links.get(n)).find((l) => l !== undefined)
  const macs = new Map((pfLink?.vfs ?? []).map((v) => [v.vf, v.mac]))
  return {
    bdf: fn.bdf,
    vendorId: fn.vendorId,
    deviceId: fn.deviceId,
    numvfs: fn.numvfs ?? 0,
    totalvfs: fn.totalvfs ?? 0,
    vfs: fn.vfs.map((v) => {
      const mac = macs.get(v.vf)
      const inUse = vfInUse(v.driver, v.netdevs, ix)
      return {
        bdf: v.bdf,
        vf: v.vf,
        driver: v.driver,
        netdev: v.netdevs[0] ?? null,
        ...(mac === undefined ? {} : { mac }),
        ...(v.resetMethod === undefined ? {} : { resetMethod: v.resetMethod }),
        ...(inUse === undefined ? {} : { inUse }),
      }
    }),
    ...(lspci === undefined ? {} : { model: lspci.description }),
    ...(fn.autoprobe === undefined ? {} : { driversAutoprobe: fn.autoprobe }),
    ...(fn.resetMethod === undefined ? {} : { resetMethod: fn.resetMethod }),
  }
}

/**
 * Drivers a VF is bound to when it is handed to a VM or a user-space program: vfio-pci (VFIO),
 * pci-stub (legacy KVM assignment), and `vfio` as some distributions name the module.
 */
export const PASSTHROUGH_DRIVERS: ReadonlySet<string> = new Set(['vfio-pci', 'pci-stub', 'vfio'])

/**
 * Why a VF is in use (issue 21 item 2), or undefined: bound to a passthrough driver, or one of
 * its netdevs up (`UP` flag) with a global or site address (`ip -j addr`'s `addr_info`).
 */
function vfInUse(
  driver: string | null,
  netdevs: readonly string[],
  ix: SnapshotIndex,
): string | undefined {
  if (driver !== null && PASSTHROUGH_DRIVERS.has(driver)) return `bound to ${driver}`
  for (const name of netdevs) {
    const l = ix.links.get(name)
    const up = l?.flags?.includes('UP') === true
    if (up && l?.addresses && l.addresses.length > 0)
      return `${name} up with ${l.addresses.join(', ')}`
  }
  return undefined
}

function joinPort(x: DevlinkPort, switchdev: boolean, pci: PciInfo | null, c: Ctx): Port {
  const { handle: _h, ibdev: _i, portNumber: _n, ...port } = x
  const byName = x.physPortName === undefined ? undefined : c.byPortName.get(x.physPortName)
  const netdev = x.netdev ?? byName ?? null
  const nd = netdev === null ? undefined : c.byNetdev.get(netdev)
  const link = netdev === null ? undefined : c.ix.rdmaByNetdev.get(netdev)
  const vf =
    x.flavour === 'pcivf' && x.external !== true && x.vfnum !== undefined
      ? pci?.vfs[x.vfnum]?.vf === x.vfnum
        ? pci.vfs[x.vfnum]
        : pci?.vfs.find((v) => v.vf === x.vfnum)
      : undefined
  return {
    ...port,
    netdev,
    ibRep: switchdev && link !== undefined ? { device: link.device, port: link.port } : null,
    ...(nd?.ifindex === undefined ? {} : { ifindex: nd.ifindex }),
    ...(nd?.operstate === undefined ? {} : { operstate: nd.operstate }),
    ...(vf === undefined ? {} : { vfBdf: vf.bdf, vfDriver: vf.driver }),
  }
}

/**
 * PFs grouped by serial number when devlink reports one, else by PCI slot `dddd:bb:dd`. A PF
 * without a devlink instance (unbound: no serial) joins the card of a PF in the same slot, so
 * unbinding one port never splits its card in two (issue 18).
 */
function buildCards(devices: readonly Device[], ix: SnapshotIndex): Card[] {
  const cards = new Map<string, Card>()
  const pfs = devices.filter((d) => d.pci !== null && !ix.vfByBdf.has(d.pci.bdf))
  const slotOf = (d: Device): string => (d.pci?.bdf ?? '').slice(0, 10)
  const serialBySlot = new Map<string, string>()
  for (const d of pfs) {
    const serial = d.info?.serialNumber
    if (serial !== undefined && !serialBySlot.has(slotOf(d))) serialBySlot.set(slotOf(d), serial)
  }
  for (const d of pfs) {
    const serial = d.info?.serialNumber ?? serialBySlot.get(slotOf(d))
    const id = serial === undefined ? `pci/${slotOf(d)}` : `sn/${serial}`
    const card = cards.get(id) ?? {
      id,
      devices: [],
      ...(d.pci?.model === undefined ? {} : { model: d.pci.model }),
      ...(serial === undefined ? {} : { serial }),
    }
    card.devices.push(d.handle)
    cards.set(id, card)
    d.card = id
  }
  for (const card of cards.values()) card.devices.sort()
  return [...cards.values()]
}
