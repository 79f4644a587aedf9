import type { Netdev } from '../../contract/snapshot'
import type { DevlinkPort, DevlinkReporter } from './parse-devlink'
import type { IpLink, RdmaLinkEntry } from './parse-net'
import type { PciFunction, PciVf } from './parse-sections'
import type { LspciEntry } from './parse-system'
import type { ParsedSections } from './snapshot-sections'

/**
 * Lookup tables over parsed sections, built once per snapshot so deriving relations stays linear
 * in the host size (4 PFs x 127 VFs: ~500 devlink instances, ~1,500 netdevs and rdma ports).
 */
export interface SnapshotIndex {
  /** Devlink handle as shown (aux `mlx5_core.eth.N` instances → their PF's `pci/<bdf>`). */
  readonly canon: (handle: string) => string
  /**
   * PCI functions with a sysfs block that are devices of the snapshot, by BDF: mlx5 (vendor 15b3
   * or bound to mlx5_core), any function with a devlink instance, and any SR-IOV PF (most lab NICs
   * besides mlx5, an NVMe PF) with or without a driver.
   */
  readonly fnByBdf: Map<string, PciFunction>
  readonly vfByBdf: Map<string, { readonly pf: PciFunction; readonly vf: PciVf }>
  readonly lspciByBdf: Map<string, LspciEntry>
  readonly portsByHandle: Map<string, DevlinkPort[]>
  readonly healthByHandle: Map<string, DevlinkReporter[]>
  readonly rdmaByNetdev: Map<string, RdmaLinkEntry>
  readonly links: Map<string, IpLink>
  /** devlink-derived phys_port_name of each netdev a port names. */
  readonly portNameByNetdev: Map<string, string>
  /** IB device name → parent PCI function. */
  readonly ibParent: Map<string, string>
}

/** Builds the index. Pure. */
export function indexSections(p: ParsedSections): SnapshotIndex {
  const fnByBdf = new Map<string, PciFunction>()
  const devlinkPci = new Set((p.devs ?? []).map((d) => d.handle))
  for (const f of p.pci) {
    if (!fnByBdf.has(f.bdf) && isDeviceFunction(f, devlinkPci)) fnByBdf.set(f.bdf, f)
  }
  const alias = new Map<string, string>()
  for (const f of fnByBdf.values()) {
    for (const a of f.aux) {
      if (/^mlx5_core\.eth\.\d+$/.test(a)) alias.set(`auxiliary/${a}`, `pci/${f.bdf}`)
    }
  }
  const canon = (h: string): string => alias.get(h) ?? h
  return {
    canon,
    fnByBdf,
    ...vfTables(p),
    lspciByBdf: new Map(p.lspci.map((l) => [l.bdf, l])),
    portsByHandle: groupBy(p.ports, (x) => canon(x.handle)),
    healthByHandle: groupBy(p.health, (r) => canon(r.handle)),
    rdmaByNetdev: firstBy(p.rdmaLinks, (l) => l.netdev),
    links: new Map(p.links.map((l) => [l.ifname, l])),
    portNameByNetdev: portNames(p.ports),
  }
}

function isDeviceFunction(f: PciFunction, devlinkHandles: ReadonlySet<string>): boolean {
  if (f.vendorId === '15b3' || f.driver === 'mlx5_core') return true
  if (devlinkHandles.has(`pci/${f.bdf}`)) return true
  return f.physfn === null && (f.totalvfs ?? 0) > 0
}

function vfTables(p: ParsedSections): Pick<SnapshotIndex, 'vfByBdf' | 'ibParent'> {
  const vfByBdf = new Map<string, { pf: PciFunction; vf: PciVf }>()
  const ibParent = new Map<string, string>()
  for (const pf of p.pci) {
    for (const ib of pf.ibdevs) if (!ibParent.has(ib)) ibParent.set(ib, pf.bdf)
    for (const vf of pf.vfs) {
      if (!vfByBdf.has(vf.bdf)) vfByBdf.set(vf.bdf, { pf, vf })
      for (const ib of vf.ibdevs) if (!ibParent.has(ib)) ibParent.set(ib, vf.bdf)
    }
  }
  return { vfByBdf, ibParent }
}

function portNames(ports: readonly DevlinkPort[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const x of ports) {
    if (x.netdev !== null && x.physPortName !== undefined && !out.has(x.netdev)) {
      out.set(x.netdev, x.physPortName)
    }
  }
  return out
}

/** Items grouped by key, in input order. */
export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const list = out.get(k)
    if (list === undefined) out.set(k, [item])
    else list.push(item)
  }
  return out
}

function firstBy<T>(items: readonly T[], key: (t: T) => string | null): Map<string, T> {
  const out = new Map<string, T>()
  for (const item of items) {
    const k = key(item)
    if (k !== null && !out.has(k)) out.set(k, item)
  }
  return out
}

/** Netdevs by unique phys_port_name (ambiguous names map to null). */
export function netdevsByPortName(netdevs: readonly Netdev[]): Map<string, string | null> {
  const out = new Map<string, string | null>()
  for (const n of netdevs) {
    if (n.physPortName === undefined) continue
    out.set(n.physPortName, out.has(n.physPortName) ? null : n.ifname)
  }
  return out
}
