import { KernelError } from './errno'
import type { Kernel } from './kernel'
import type { Pf, Rep } from './mlx5-types'
import { UPLINK_VPORT } from './mlx5-types'
import { macFor } from './netdev'
import { guidFor } from './rdma'
import { portAttrs } from './views'

/**
 * Representor load/unload for one PF's E-Switch (eswitch_offloads.c, ib_rep.c;
 * docs/domain.md §1.5–§1.6).
 *
 * ETH loads before IB; unloading ETH first unloads the vport's IB rep (an IB rep cannot
 * outlive its ETH rep). The uplink IB rep creates the IB representor device; a VF IB rep
 * attaches its rep netdev to port `vport_index + 1` of it and fails with -EINVAL without it.
 */
export function repOf(pf: Pf, vport: number): Rep {
  let rep = pf.reps.get(vport)
  if (!rep) {
    rep = { vport, eth: 'UNREGISTERED', ib: 'UNREGISTERED' }
    pf.reps.set(vport, rep)
  }
  return rep
}

/** Vports with a representor in switchdev: enabled VFs then the uplink (ECPF: also the PF). */
export function repVports(pf: Pf): number[] {
  const vfs = Array.from({ length: pf.numVfs }, (_v, i) => i + 1)
  return [...(pf.card.info.ecpf ? [0] : []), ...vfs, UPLINK_VPORT]
}

function loadEth(kernel: Kernel, pf: Pf, rep: Rep): void {
  const uplink = rep.vport === UPLINK_VPORT
  const name = uplink
    ? pf.uplinkName
    : rep.vport === 0
      ? `${pf.nameStem}npf${pf.pfnum}hpf`
      : pf.repName(rep.vport - 1)
  kernel.netdevs.add({
    name,
    kind: uplink ? 'pf' : 'rep',
    mac: macFor(`${pf.bdf}/${rep.vport}`),
    mtu: 1500,
    up: uplink,
    physPortName: uplink
      ? `p${pf.pfnum}`
      : rep.vport === 0
        ? `pf${pf.pfnum}hpf`
        : `pf${pf.pfnum}vf${rep.vport - 1}`,
    physSwitchId: pf.card.switchId,
    driver: uplink ? 'mlx5_core' : 'mlx5e_rep',
    ...(uplink ? { parent: { bus: 'pci' as const, dev: pf.bdf } } : {}),
  })
  kernel.printk(
    `${uplink ? `mlx5_core ${pf.bdf} ` : ''}${name}: renamed from eth${kernel.netdevs.list().length % 8}`,
  )
  rep.netdev = name
  rep.eth = 'LOADED'
  if (uplink) pf.netdev = name
  if (!uplink) notifyPort(kernel, pf, rep.vport)
}

function unloadEth(kernel: Kernel, pf: Pf, rep: Rep): void {
  unloadIb(kernel, pf, rep)
  kernel.netdevs.remove(rep.netdev)
  if (rep.vport === UPLINK_VPORT) pf.netdev = undefined
  rep.netdev = undefined
  rep.eth = 'REGISTERED'
  if (rep.vport !== UPLINK_VPORT) notifyPort(kernel, pf, rep.vport)
}

function loadIb(kernel: Kernel, pf: Pf, rep: Rep): void {
  if (pf.ibLoadFail.delete(rep.vport)) throw new KernelError('ENOMEM')
  if (rep.vport === UPLINK_VPORT) {
    const ports = Array.from({ length: pf.totalVports }, () => ({}))
    const device = kernel.rdma.add({
      fw: pf.card.info.fwVersion,
      nodeGuid: guidFor(pf.pfnum * 0x10000 + 0x8000),
      sysImageGuid: guidFor(0),
      bdf: pf.bdf,
      isRep: true,
      ports,
    })
    pf.ibdev = device.name
  }
  const device = kernel.rdma.get(pf.ibdev)
  if (!device?.isRep) throw new KernelError('EINVAL')
  const port = device.ports[pf.ibPortOf(rep.vport) - 1]
  if (port) port.netdev = rep.netdev
  rep.ib = 'LOADED'
}

function unloadIb(kernel: Kernel, pf: Pf, rep: Rep): void {
  if (rep.ib !== 'LOADED') return
  rep.ib = 'REGISTERED'
  const device = kernel.rdma.get(pf.ibdev)
  if (!device?.isRep) return
  if (rep.vport === UPLINK_VPORT) {
    kernel.rdma.remove(device.name)
    pf.ibdev = undefined
    return
  }
  const port = device.ports[pf.ibPortOf(rep.vport) - 1]
  if (port) delete port.netdev
}

/**
 * `mlx5_esw_offloads_rep_load()`: loads every REGISTERED type of a vport, ETH then IB.
 *
 * On an IB load failure the `pre-series` kernel unwinds all types it iterated, including an
 * ETH rep that was already LOADED before this call (the netdev disappears); the `fixed`
 * kernel (patch 6/7 "unwind only newly loaded representor types") keeps the ETH rep and only
 * the IB port is missing. Returns false on failure.
 */
export function repLoad(kernel: Kernel, pf: Pf, vport: number): boolean {
  const rep = repOf(pf, vport)
  if (rep.eth === 'REGISTERED') loadEth(kernel, pf, rep)
  if (rep.ib !== 'REGISTERED') return true
  try {
    loadIb(kernel, pf, rep)
    return true
  } catch {
    rep.ib = 'REGISTERED'
    kernel.devLog(
      pf.bdf,
      `mlx5_esw_offloads_rep_load:${vport === UPLINK_VPORT ? 2504 : 2511}:(pid 1187): failed to load rep type 1 on vport ${vport}, err -12`,
    )
    if (kernel.profile === 'pre-series' && rep.eth === 'LOADED') unloadEth(kernel, pf, rep)
    return false
  }
}

/** Unloads all types of a vport (IB then ETH). */
export function repUnload(kernel: Kernel, pf: Pf, vport: number): void {
  const rep = repOf(pf, vport)
  if (rep.eth === 'LOADED') unloadEth(kernel, pf, rep)
  else unloadIb(kernel, pf, rep)
}

/** Loads only the IB type of a vport (LAG-style reload and the late-load work). */
export function repLoadIb(kernel: Kernel, pf: Pf, vport: number): boolean {
  const rep = repOf(pf, vport)
  if (rep.ib !== 'REGISTERED') return rep.ib === 'LOADED'
  return repLoad(kernel, pf, vport)
}

/** Unloads only the IB type of a vport. */
export function repUnloadIb(kernel: Kernel, pf: Pf, vport: number): void {
  unloadIb(kernel, pf, repOf(pf, vport))
}

/** Registers rep ops of a type: every rep slot becomes REGISTERED (nothing is loaded). */
export function registerReps(pf: Pf, type: 'eth' | 'ib'): void {
  for (const vport of repVports(pf)) {
    const rep = repOf(pf, vport)
    if (rep[type] === 'UNREGISTERED') rep[type] = 'REGISTERED'
  }
}

/** Unregisters a rep type: unloads it on every vport (VFs first) and marks it UNREGISTERED. */
export function unregisterReps(kernel: Kernel, pf: Pf, type: 'eth' | 'ib'): void {
  const vports = [...pf.reps.keys()].sort((a, b) => a - b)
  for (const vport of vports) {
    const rep = repOf(pf, vport)
    if (type === 'ib') unloadIb(kernel, pf, rep)
    else if (rep.eth === 'LOADED') unloadEth(kernel, pf, rep)
    rep[type] = 'UNREGISTERED'
  }
}

/** Publishes a devlink `port new` for a VF port with its current attributes. */
export function notifyPort(
  kernel: Kernel,
  pf: Pf,
  vport: number,
  command: 'new' | 'del' = 'new',
): void {
  const index = pf.portIndex(vport)
  kernel.devlinkNotify({
    command,
    object: 'port',
    handle: `${pf.handle}/${index}`,
    attrs: portAttrs(kernel, pf, vport),
  })
}
