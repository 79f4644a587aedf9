import type {
  Card,
  Device,
  HostSnapshot,
  Netdev,
  PciInfo,
  Port,
  RdmaDevice,
} from '../../contract/snapshot'
import type { DevlinkPort } from './parse-devlink'
import type { IpLink, RdmaLinkEntry } from './parse-net'
import type { PciFunction } from './parse-sections'
import type { ParsedSections } from './snapshot-sections'

/**
 * Step two of the snapshot builder: derived relations (reference/domain.md §1.4–§1.7).
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

/** Builds a `HostSnapshot` from parsed sections. Pure; never throws. */
export function buildSnapshot(p: ParsedSections, opts: BuildOptions): HostSnapshot {
  const loaded = new Set(p.modules.map((m) => m.name))
  const modules: HostSnapshot['host']['modules'] = {
    mlx5_core: loaded.has('mlx5_core'),
    mlx5_ib: loaded.has('mlx5_ib'),
  }
  for (const m of MODULES) if (loaded.has(m)) modules[m] = true
  const netdevs = p.links.map((l) => netdevOf(l, p))
  const devices = buildDevices(p, netdevs)
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
    rdmaDevices: p.rdmaDevs.map((d) => withParent(d, p.pci)),
    netdevs,
    cards: buildCards(devices, p),
    errors: p.issues,
  }
  if (p.tracer !== undefined) snapshot.tracer = p.tracer
  return snapshot
}

/**
 * A netdev for the snapshot. Without phys attrs from `ip -d` (old iproute2) they come from the
 * sysfs fallback section, else `physPortName` from the devlink port naming it (the kernel derives
 * phys_port_name from the port attrs, domain.md §1.7).
 */
function netdevOf(l: IpLink, p: ParsedSections): Netdev {
  const { vfs: _vfs, altnames: _alt, master: _m, ...netdev } = l
  const phys = p.phys.get(l.ifname)
  const out: Netdev = { ...netdev, ...phys }
  if (out.physPortName === undefined) {
    const name = p.ports.find((x) => x.netdev === l.ifname)?.physPortName
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

function withParent(d: RdmaDevice, pci: readonly PciFunction[]): RdmaDevice {
  if (d.parent !== undefined) return d
  const fn = pci.find((f) => f.ibdevs.includes(d.name))
  if (fn !== undefined) return { ...d, parent: fn.bdf }
  const vf = pci.flatMap((f) => f.vfs).find((v) => v.ibdevs.includes(d.name))
  return vf === undefined ? d : { ...d, parent: vf.bdf }
}

/** mlx5 PCI functions: vendor 15b3 or bound to mlx5_core; VFs reached through their PF. */
function mlx5Functions(p: ParsedSections): PciFunction[] {
  const seen = new Set<string>()
  return p.pci.filter((f) => {
    if (seen.has(f.bdf)) return false
    seen.add(f.bdf)
    return f.vendorId === '15b3' || f.driver === 'mlx5_core'
  })
}

/** Map of devlink handle → handle it is shown under (aux eth instances → their PF). */
function handleAliases(pfs: readonly PciFunction[]): Map<string, string> {
  const alias = new Map<string, string>()
  for (const f of pfs) {
    for (const a of f.aux) {
      if (/^mlx5_core\.eth\.\d+$/.test(a)) alias.set(`auxiliary/${a}`, `pci/${f.bdf}`)
    }
  }
  return alias
}

function buildDevices(p: ParsedSections, netdevs: readonly Netdev[]): Device[] {
  const fns = mlx5Functions(p)
  const alias = handleAliases(fns)
  const canon = (h: string): string => alias.get(h) ?? h
  const handles: string[] = []
  const add = (h: string): void => {
    if (!handles.includes(h)) handles.push(h)
  }
  for (const d of p.devs ?? []) add(canon(d.handle))
  for (const f of fns) if (f.physfn === null) add(`pci/${f.bdf}`)
  for (const n of p.nsim) add(n.handle)
  const byNetdev = new Map(netdevs.map((n) => [n.ifname, n]))
  const vfLinks = new Map(p.links.map((l) => [l.ifname, l]))
  return handles.map((handle) => {
    const ports = p.ports.filter((x) => canon(x.handle) === handle)
    return buildDevice(handle, p, fns, ports, byNetdev, vfLinks, canon)
  })
}

function buildDevice(
  handle: string,
  p: ParsedSections,
  fns: readonly PciFunction[],
  rawPorts: readonly DevlinkPort[],
  byNetdev: Map<string, Netdev>,
  links: Map<string, IpLink>,
  canon: (h: string) => string,
): Device {
  const bdf = handle.startsWith('pci/') ? handle.slice(4) : null
  const fn =
    bdf === null
      ? undefined
      : (fns.find((f) => f.bdf === bdf) ?? fromVf(bdf, p) ?? fromLspci(bdf, p))
  const nsim = p.nsim.find((n) => n.handle === handle)
  const info = p.info.get(handle)
  const eswitch = p.eswitch.get(handle) ?? null
  const pci = fn === undefined ? null : pciInfoOf(fn, p, links)
  const ports = rawPorts
    .map((x) => joinPort(x, eswitch?.mode === 'switchdev', pci, p.rdmaLinks, byNetdev))
    .sort((a, b) => a.index - b.index)
  const driver = fn?.driver ?? nsim?.driver ?? info?.driver ?? null
  const pfNetdev = fn?.physfn === null ? fn.netdevs[0] : undefined
  const uplink = ports.find((x) => x.flavour === 'physical')?.netdev ?? pfNetdev ?? null
  const hasFwFatal = p.health.some((r) => canon(r.handle) === handle && r.reporter === 'fw_fatal')
  const crdump =
    bdf !== null && p.crdump.ofed.includes(bdf) ? 'ofed' : hasFwFatal ? 'devlink' : null
  return {
    handle,
    driver,
    pci,
    eswitch,
    ports,
    health: p.health
      .filter((r) => canon(r.handle) === handle)
      .map(({ handle: _h, burstPeriodMs: _b, ...r }) => r),
    info: info ?? null,
    uplink,
    crdump,
    lag: p.lag.get(handle) ?? bondLag(bdf, uplink, p, links),
  }
}

/**
 * LAG where debugfs is absent: the uplink enslaved to a bond; active when mlx5_ib registered the
 * bond IB device `mlx5_bond_N` on this PF (domain.md §1.8, ib main.c).
 */
function bondLag(
  bdf: string | null,
  uplink: string | null,
  p: ParsedSections,
  links: Map<string, IpLink>,
): Device['lag'] {
  const master = uplink === null ? undefined : links.get(uplink)?.master
  if (master === undefined || bdf === null) return null
  const pf = p.pci.find((f) => f.bdf === bdf)
  const active = (pf?.ibdevs ?? []).some((n) => /^mlx5_bond_\d+$/.test(n))
  return { active, bond: master }
}

/** A VF with its own devlink instance (bound to mlx5_core), described from its PF's sysfs. */
function fromVf(bdf: string, p: ParsedSections): PciFunction | undefined {
  for (const f of p.pci) {
    const v = f.vfs.find((x) => x.bdf === bdf)
    if (v === undefined) continue
    const l = p.lspci.find((x) => x.bdf === bdf)
    return {
      ...{ bdf, vendorId: f.vendorId, deviceId: l?.deviceId ?? '', driver: v.driver },
      ...{ physfn: f.bdf, netdevs: v.netdevs, ibdevs: v.ibdevs, aux: [], vfs: [] },
    }
  }
  return undefined
}

/** A PF seen by devlink and lspci but without a sysfs block (no SR-IOV capability). */
function fromLspci(bdf: string, p: ParsedSections): PciFunction | undefined {
  const l = p.lspci.find((x) => x.bdf === bdf && !x.isVf)
  if (l === undefined || p.pci.some((f) => f.vfs.some((v) => v.bdf === bdf))) return undefined
  return {
    ...{ bdf, vendorId: l.vendorId ?? '', deviceId: l.deviceId ?? '', driver: null },
    ...{ physfn: null, netdevs: [], ibdevs: [], aux: [], vfs: [] },
  }
}

function pciInfoOf(fn: PciFunction, p: ParsedSections, links: Map<string, IpLink>): PciInfo {
  const lspci = p.lspci.find((l) => l.bdf === fn.bdf)
  const pfLink = fn.netdevs.map((n) => links.get(n)).find((l) => l !== undefined)
  return {
    bdf: fn.bdf,
    vendorId: fn.vendorId,
    deviceId: fn.deviceId,
    numvfs: fn.numvfs ?? 0,
    totalvfs: fn.totalvfs ?? 0,
    vfs: fn.vfs.map((v) => {
      const mac = pfLink?.vfs.find((x) => x.vf === v.vf)?.mac
      return {
        bdf: v.bdf,
        vf: v.vf,
        driver: v.driver,
        netdev: v.netdevs[0] ?? null,
        ...(mac === undefined ? {} : { mac }),
      }
    }),
    ...(lspci === undefined ? {} : { model: lspci.description }),
    ...(fn.autoprobe === undefined ? {} : { driversAutoprobe: fn.autoprobe }),
    ...(fn.resetMethod === undefined ? {} : { resetMethod: fn.resetMethod }),
  }
}

function joinPort(
  x: DevlinkPort,
  switchdev: boolean,
  pci: PciInfo | null,
  rdma: readonly RdmaLinkEntry[],
  byNetdev: Map<string, Netdev>,
): Port {
  const { handle: _h, ibdev: _i, portNumber: _n, ...port } = x
  const netdev = x.netdev ?? repNetdevByName(x, byNetdev)
  const nd = netdev === null ? undefined : byNetdev.get(netdev)
  const link = netdev === null ? undefined : rdma.find((l) => l.netdev === netdev)
  const vf =
    x.flavour === 'pcivf' && x.external !== true && x.vfnum !== undefined
      ? pci?.vfs.find((v) => v.vf === x.vfnum)
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

/** A rep netdev not named by devlink: the netdev whose phys_port_name matches (§1.7). */
function repNetdevByName(x: DevlinkPort, byNetdev: Map<string, Netdev>): string | null {
  if (x.physPortName === undefined) return null
  const matches = [...byNetdev.values()].filter((n) => n.physPortName === x.physPortName)
  return matches.length === 1 ? (matches[0]?.ifname ?? null) : null
}

/** PFs grouped by serial number when devlink reports one, else by PCI slot `dddd:bb:dd`. */
function buildCards(devices: readonly Device[], p: ParsedSections): Card[] {
  const cards = new Map<string, Card>()
  for (const d of devices) {
    const bdf = d.pci?.bdf
    if (d.pci === null || p.pci.some((f) => f.vfs.some((v) => v.bdf === bdf))) continue
    const serial = d.info?.serialNumber
    const id = serial === undefined ? `pci/${d.pci.bdf.slice(0, 10)}` : `sn/${serial}`
    const card = cards.get(id) ?? {
      id,
      devices: [],
      ...(d.pci.model === undefined ? {} : { model: d.pci.model }),
      ...(serial === undefined ? {} : { serial }),
    }
    card.devices.push(d.handle)
    cards.set(id, card)
    d.card = id
  }
  return [...cards.values()]
}
