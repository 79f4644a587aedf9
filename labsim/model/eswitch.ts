import { KernelError } from './errno'
import type { Kernel } from './kernel'
import type { EswitchMode, Pf } from './mlx5-types'
import { UPLINK_VPORT } from './mlx5-types'
import { macFor } from './netdev'
import { guidFor } from './rdma'
import {
  registerReps,
  repLoad,
  repLoadIb,
  repOf,
  repUnload,
  repVports,
  unregisterReps,
} from './reps'
import { raceSplat } from './splat'
import { sfAttrs } from './views'

const modeName: Record<EswitchMode, string> = {
  legacy: 'LEGACY',
  switchdev: 'OFFLOADS',
  switchdev_inactive: 'OFFLOADS',
}

/** `E-Switch: <verb>: mode(X), nvfs(N), necvfs(0), active vports(M)` (eswitch.c, docs/domain.md §3.4). */
export function eswitchLog(kernel: Kernel, pf: Pf, verb: string): void {
  const active = pf.numVfs + 1
  kernel.devLog(
    pf.bdf,
    `E-Switch: ${verb}: mode(${modeName[pf.mode]}), nvfs(${pf.numVfs}), necvfs(0), active vports(${active})`,
  )
}

/**
 * Runs an E-Switch reconfiguration. `fixed` holds the per-E-Switch representor lock
 * (patches 3/7 + 5/7), so mlx5_ib (un)registration waits; `pre-series` only marks the
 * operation, and a registration that lands meanwhile leaves damage (see ./splat.ts).
 */
export async function withOperation<R>(
  kernel: Kernel,
  pf: Pf,
  name: string,
  fn: () => Promise<R>,
): Promise<R> {
  const body = async (): Promise<R> => {
    pf.operation = name
    pf.raced = false
    try {
      return await fn()
    } finally {
      pf.operation = null
      if (pf.raced) raceSplat(kernel, pf, name)
      pf.raced = false
    }
  }
  return kernel.profile === 'fixed' ? pf.repsLock.run(body) : body()
}

/** Creates the PF's NIC-mode netdev and, with mlx5_ib, its RDMA device (legacy profile). */
export function createNicFunctions(kernel: Kernel, pf: Pf): void {
  kernel.netdevs.add({
    name: pf.uplinkName,
    kind: 'pf',
    mac: macFor(pf.bdf),
    mtu: 1500,
    up: true,
    physPortName: `p${pf.pfnum}`,
    physSwitchId: pf.card.switchId,
    parent: { bus: 'pci', dev: pf.bdf },
    driver: 'mlx5_core',
  })
  pf.netdev = pf.uplinkName
  kernel.printk(`mlx5_core ${pf.bdf} ${pf.uplinkName}: renamed from eth0`)
  if (kernel.modules.has('mlx5_ib')) createLegacyIb(kernel, pf)
}

/** Creates the legacy (non-representor) RDMA device of a PF. */
export function createLegacyIb(kernel: Kernel, pf: Pf): void {
  if (pf.ibdev) return
  const device = kernel.rdma.add({
    fw: pf.card.info.fwVersion,
    nodeGuid: guidFor(pf.pfnum * 0x10000 + 1),
    sysImageGuid: guidFor(0),
    bdf: pf.bdf,
    isRep: false,
    ports: [{ netdev: pf.netdev }],
  })
  pf.ibdev = device.name
}

/** Removes the PF's NIC-mode netdev and RDMA device. */
export function removeNicFunctions(kernel: Kernel, pf: Pf): void {
  kernel.rdma.remove(pf.ibdev)
  pf.ibdev = undefined
  kernel.netdevs.remove(pf.netdev)
  pf.netdev = undefined
}

/** Tears down switchdev: VF reps (and ports) first, then the uplink rep; ops unregistered. */
export function disableOffloads(kernel: Kernel, pf: Pf): void {
  for (const sf of pf.sfs) kernel.netdevs.remove(sf.netdev)
  pf.sfs = []
  const vports = [...pf.reps.keys()].filter((v) => v !== UPLINK_VPORT).sort((a, b) => b - a)
  for (const vport of vports) disableVport(kernel, pf, vport)
  repUnload(kernel, pf, UPLINK_VPORT)
  unregisterReps(kernel, pf, 'ib')
  unregisterReps(kernel, pf, 'eth')
  pf.reps.clear()
}

/** Unloads a VF vport's reps and unregisters its devlink port. */
export function disableVport(kernel: Kernel, pf: Pf, vport: number): void {
  const rep = repOf(pf, vport)
  repUnload(kernel, pf, vport)
  if (rep.port) {
    rep.port = false
    kernel.devlinkNotify({
      command: 'del',
      object: 'port',
      handle: `${pf.handle}/${pf.portIndex(vport)}`,
      attrs: {
        type: 'notset',
        flavour: 'pcivf',
        controller: 0,
        pfnum: pf.pfnum,
        vfnum: vport - 1,
        external: false,
        splittable: false,
      },
    })
  }
  pf.reps.delete(vport)
}

/** Registers a vport's devlink port and loads its reps (vport enable in switchdev). */
export function enableVport(kernel: Kernel, pf: Pf, vport: number): void {
  const rep = repOf(pf, vport)
  const uplink = pf.reps.get(UPLINK_VPORT)
  if (uplink && uplink.eth !== 'UNREGISTERED' && rep.eth === 'UNREGISTERED') rep.eth = 'REGISTERED'
  if (uplink && uplink.ib !== 'UNREGISTERED' && rep.ib === 'UNREGISTERED') rep.ib = 'REGISTERED'
  rep.port = true
  kernel.devlinkNotify({
    command: 'new',
    object: 'port',
    handle: `${pf.handle}/${pf.portIndex(vport)}`,
    attrs: {
      type: 'notset',
      flavour: 'pcivf',
      controller: 0,
      pfnum: pf.pfnum,
      vfnum: vport - 1,
      external: false,
      splittable: false,
    },
  })
  repLoad(kernel, pf, vport)
}

/**
 * Brings up switchdev (`esw_offloads_enable`): rep ops registered (ETH always, IB when mlx5_ib
 * is loaded), "Uplink vport rep must load first", then every VF vport.
 */
export async function enableOffloads(kernel: Kernel, pf: Pf, signal?: AbortSignal): Promise<void> {
  for (const vport of repVports(pf)) repOf(pf, vport)
  registerReps(pf, 'eth')
  if (kernel.modules.has('mlx5_ib')) registerReps(pf, 'ib')
  repLoad(kernel, pf, UPLINK_VPORT)
  kernel.fwTrace(pf, `ESW: uplink vport 0x${UPLINK_VPORT.toString(16)} representor loaded`)
  await kernel.clock.sleep(300, signal)
  for (const vport of repVports(pf).filter((v) => v !== UPLINK_VPORT)) {
    enableVport(kernel, pf, vport)
    kernel.fwTrace(pf, `ESW: vport ${vport} enabled, representor loaded`)
    await kernel.clock.sleep(100, signal)
  }
}

/**
 * `devlink dev eswitch set <dev> mode X` (mlx5_devlink_eswitch_mode_set, docs/domain.md §1.2):
 * same mode → no-op; otherwise `Disable:` line, teardown, the PF netdev and RDMA device are
 * destroyed and recreated (new ifindex), uplink rep loads first, `Enable:` line. ≈1.3 s.
 */
export async function setEswitchMode(
  kernel: Kernel,
  pf: Pf,
  mode: EswitchMode,
  signal?: AbortSignal,
): Promise<void> {
  if (pf.state !== 'up')
    throw new KernelError('EBUSY', "mlx5_core: Can't change mode, E-Switch is busy")
  if (mode === pf.mode) return
  if (pf.offloads && mode !== 'legacy') {
    pf.mode = mode
    kernel.fwTrace(pf, `ESW: FDB ${mode === 'switchdev' ? 'activated' : 'deactivated'}`)
    await kernel.clock.sleep(100, signal)
    return
  }
  await withOperation(kernel, pf, 'mode', async () => {
    eswitchLog(kernel, pf, 'Disable')
    kernel.fwTrace(pf, `ESW: disable, mode ${modeName[pf.mode]}`)
    if (pf.offloads) disableOffloads(kernel, pf)
    else removeNicFunctions(kernel, pf)
    await kernel.clock.sleep(500, signal)
    pf.mode = mode
    if (pf.offloads) await enableOffloads(kernel, pf, signal)
    else createNicFunctions(kernel, pf)
    await kernel.clock.sleep(300, signal)
    eswitchLog(kernel, pf, 'Enable')
    kernel.fwTrace(pf, `ESW: enable, mode ${modeName[pf.mode]}, nvfs ${pf.numVfs}`)
  })
}

/** In pre-series, a VF reconfiguration also loads registered-but-unloaded uplink IB reps. */
export function lateTrigger(kernel: Kernel, pf: Pf): void {
  if (kernel.profile !== 'pre-series' || !pf.offloads) return
  const uplink = pf.reps.get(UPLINK_VPORT)
  if (uplink?.ib !== 'REGISTERED') return
  if (!repLoadIb(kernel, pf, UPLINK_VPORT)) return
  for (const vport of [...pf.reps.keys()].filter((v) => v !== UPLINK_VPORT))
    repLoadIb(kernel, pf, vport)
}

/**
 * `devlink port add pci/<pf> flavour pcisf pfnum P sfnum S` (mlx5 switchdev.rst): switchdev
 * only; port index 32768 + n (SF vports start at 0x8000, docs/domain.md §1.4); the SF rep netdev is
 * `<stem>npf<P>sf<S>`; the function starts `inactive`/`detached`.
 */
export function addSf(
  kernel: Kernel,
  pf: Pf,
  sfnum: number,
): { index: number; attrs: Record<string, unknown> } {
  if (!pf.offloads)
    throw new KernelError(
      'EOPNOTSUPP',
      'mlx5_core: Port add is only supported in eswitch switchdev mode',
    )
  if (pf.sfs.some((s) => s.sfnum === sfnum))
    throw new KernelError('EEXIST', 'mlx5_core: SF already exists. Choose different sfnum')
  const index = pf.portIndex(0x8000 + pf.sfs.length)
  const netdev = `${pf.nameStem}npf${pf.pfnum}sf${sfnum}`
  kernel.netdevs.add({
    name: netdev,
    kind: 'rep',
    mac: macFor(netdev),
    mtu: 1500,
    up: false,
    physPortName: `pf${pf.pfnum}sf${sfnum}`,
    physSwitchId: pf.card.switchId,
    driver: 'mlx5e_rep',
  })
  pf.sfs.push({ sfnum, index, netdev })
  return { index, attrs: sfAttrs(pf, pf.sfs[pf.sfs.length - 1]!) }
}

/** `devlink port del pci/<pf>/<index>` for an SF port. */
export function delSf(kernel: Kernel, pf: Pf, index: number): void {
  const sf = pf.sfs.find((s) => s.index === index)
  if (!sf) throw new KernelError('EOPNOTSUPP', 'mlx5_core: Port del is only supported for SF ports')
  kernel.netdevs.remove(sf.netdev)
  pf.sfs = pf.sfs.filter((s) => s !== sf)
}
