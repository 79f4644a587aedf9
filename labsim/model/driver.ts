import { KernelError } from './errno'
import { createNicFunctions, disableOffloads, enableOffloads, removeNicFunctions } from './eswitch'
import type { Kernel } from './kernel'
import type { Pf } from './mlx5-types'
import { deviceReporters, portReporters } from './mlx5-types'
import { addVfIb, findVf, probeVf, removeVfDriver } from './sriov'

/** Removes every function a loaded PF exposes (netdevs, reps, RDMA devices), keeping VFs. */
export function unloadFunctions(kernel: Kernel, pf: Pf): void {
  for (const vf of pf.vfs) {
    kernel.rdma.remove(vf.ibdev)
    vf.ibdev = undefined
  }
  if (pf.offloads) {
    disableOffloads(kernel, pf)
  } else removeNicFunctions(kernel, pf)
}

/** Recreates a PF's functions in its current mode (mlx5_load_one). */
export async function loadFunctions(kernel: Kernel, pf: Pf, signal?: AbortSignal): Promise<void> {
  if (pf.offloads) await enableOffloads(kernel, pf, signal)
  else createNicFunctions(kernel, pf)
}

/**
 * PF unbind (`echo <bdf> > /sys/bus/pci/drivers/mlx5_core/unbind`): removes the netdevs,
 * representors, RDMA devices, VFs and the devlink instance (issue 3 "PCI"). ENODEV if the
 * device is not bound to mlx5_core (fixture 64: `echo: write error: No such device`).
 */
export async function unbindPf(kernel: Kernel, pf: Pf, signal?: AbortSignal): Promise<void> {
  if (!pf.bound) throw new KernelError('ENODEV')
  await pf.devlinkLock.run(async () => {
    for (const vf of [...pf.vfs].reverse()) if (vf.bound) removeVfDriver(kernel, pf, vf)
    if (pf.state !== 'unloaded') unloadFunctions(kernel, pf)
    kernel.fwTrace(pf, 'teardown hca')
    await kernel.clock.sleep(800, signal)
    pf.vfs = []
    pf.numVfs = 0
    pf.bound = false
    pf.state = 'up'
    kernel.devlinkNotify({ command: 'del', object: 'dev', handle: pf.handle, attrs: {} })
  })
}

/**
 * PF bind/probe: re-probes in legacy mode with 0 VFs (mode is not persisted across probe,
 * docs/domain.md §3.4 and §8 item 10). Prints the probe lines of §3.4. EBUSY if already bound.
 */
export async function bindPf(kernel: Kernel, pf: Pf, signal?: AbortSignal): Promise<void> {
  if (pf.bound) throw new KernelError('EBUSY')
  kernel.devLog(pf.bdf, `firmware version: ${pf.card.info.fwVersion}`)
  kernel.devLog(pf.bdf, '126.016 Gb/s available PCIe bandwidth (8.0 GT/s PCIe x16 link)')
  await kernel.clock.sleep(1500, signal)
  pf.bound = true
  pf.state = 'up'
  pf.mode = 'legacy'
  pf.numVfs = 0
  pf.vfs = []
  pf.reporters = deviceReporters(pf.card.info.ecpf ? 180000 : 60000)
  pf.uplinkReporters = portReporters()
  pf.reloadFailed = false
  kernel.devlinkNotify({ command: 'new', object: 'dev', handle: pf.handle, attrs: {} })
  kernel.devLog(pf.bdf, 'Rate limit: 127 rates are supported, range: 0Mbps to 97656Mbps')
  kernel.devLog(
    pf.bdf,
    `E-Switch: Total vports ${pf.totalVports}, per vport: max uc(128) max mc(2048)`,
  )
  kernel.devLog(pf.bdf, 'Port module event: module 0, Cable plugged')
  createNicFunctions(kernel, pf)
  kernel.devLog(pf.bdf, 'MLX5E: StrdRq(1) RqSz(8) StrdSz(2048) RxCqeCmprss(0 basic)')
  kernel.fwTrace(pf, 'init hca done')
}

/** `echo <bdf> > …/mlx5_core/bind` for a PF or a VF. */
export async function driverBind(kernel: Kernel, bdf: string, signal?: AbortSignal): Promise<void> {
  const pf = kernel.pf(bdf)
  if (pf) return bindPf(kernel, pf, signal)
  const found = findVf(kernel, bdf)
  if (!found) throw new KernelError('ENODEV')
  if (found.vf.bound || found.vf.passthrough) throw new KernelError('EBUSY')
  await probeVf(kernel, found.pf, found.vf, signal)
}

/** The passthrough drivers labsim offers besides mlx5_core: VFs handed to VMs bind to them. */
export const PASSTHROUGH_DRIVERS = ['vfio-pci'] as const

/**
 * `echo <bdf> > /sys/bus/pci/drivers/vfio-pci/bind`: hands an unbound VF to a passthrough driver
 * (drivers/vfio/pci/vfio_pci.c; a VM would open it next). EBUSY when it has a driver, ENODEV for
 * anything but a VF (labsim's PFs only ever bind mlx5_core).
 */
export function passthroughBind(kernel: Kernel, driver: string, bdf: string): void {
  const found = findVf(kernel, bdf)
  if (!found) throw new KernelError('ENODEV')
  if (found.vf.bound || found.vf.passthrough) throw new KernelError('EBUSY')
  found.vf.passthrough = driver
  kernel.devLog(bdf, `${driver}: enabling device (0000 -> 0002)`)
}

/** `echo <bdf> > /sys/bus/pci/drivers/vfio-pci/unbind`: ENODEV when that driver is not bound. */
export function passthroughUnbind(kernel: Kernel, driver: string, bdf: string): void {
  const found = findVf(kernel, bdf)
  if (found?.vf.passthrough !== driver) throw new KernelError('ENODEV')
  found.vf.passthrough = undefined
}

/**
 * `echo <bdf> > /sys/bus/pci/drivers_probe` (drivers/base/bus.c `drivers_probe_store`, 6.1):
 * an unbound function gets the driver that matches it (mlx5_core, when loaded); a function that
 * has a driver, or that no loaded driver matches, is left alone and the write still succeeds.
 * ENODEV for a BDF that is not on the bus.
 */
export async function driversProbe(
  kernel: Kernel,
  bdf: string,
  signal?: AbortSignal,
): Promise<void> {
  const pf = kernel.pf(bdf)
  const found = pf ? undefined : findVf(kernel, bdf)
  if (!pf && !found) throw new KernelError('ENODEV')
  const bound = pf ? pf.bound : Boolean(found?.vf.bound || found?.vf.passthrough)
  if (!kernel.modules.has('mlx5_core') || bound) return
  await driverBind(kernel, bdf, signal)
}

/** `echo <bdf> > …/mlx5_core/unbind` for a PF or a VF. */
export async function driverUnbind(
  kernel: Kernel,
  bdf: string,
  signal?: AbortSignal,
): Promise<void> {
  const pf = kernel.pf(bdf)
  if (pf) return unbindPf(kernel, pf, signal)
  const found = findVf(kernel, bdf)
  if (!found?.vf.bound) throw new KernelError('ENODEV')
  removeVfDriver(kernel, found.pf, found.vf)
}

/** Result of a devlink reload: actions performed and an optional extack warning. */
export interface ReloadResult {
  readonly actions: string[]
  readonly warning?: string
}

/**
 * `devlink dev reload DEV [action driver_reinit|fw_activate] [limit no_reset]`
 * (mlx5 devlink.c `mlx5_devlink_reload_down/up`, docs/domain.md §2.3): refuses with SFs or LAG,
 * warns when VFs are present; driver_reinit = unload + load (mode and VFs kept);
 * fw_activate also reinitialises the driver; `limit no_reset` is a live patch.
 */
export async function reloadPf(
  kernel: Kernel,
  pf: Pf,
  action: 'driver_reinit' | 'fw_activate',
  noReset: boolean,
  signal?: AbortSignal,
): Promise<ReloadResult> {
  if (noReset && action === 'driver_reinit') {
    throw new KernelError('EOPNOTSUPP', 'leftover: Requested limit is invalid for this action')
  }
  // mlx5 devlink.c mlx5_devlink_reload_down (docs/domain.md §2.3); LAG is not modelled.
  if (pf.sfs.length > 0) {
    throw new KernelError('EOPNOTSUPP', 'mlx5_core: reload is unsupported when SFs are allocated')
  }
  const warning =
    pf.numVfs > 0 && !noReset ? 'mlx5_core: reload while VFs are present is unfavorable' : undefined
  if (noReset) {
    kernel.fwTrace(pf, 'live patch: firmware activated without reset')
    await kernel.clock.sleep(300, signal)
    pf.reloadStats.fwActivateNoReset++
    return { actions: ['fw_activate'], ...(warning ? { warning } : {}) }
  }
  if (pf.state !== 'unloaded') unloadFunctions(kernel, pf)
  kernel.fwTrace(
    pf,
    action === 'fw_activate' ? 'fw reset: activating pending image' : 'driver reinit: teardown hca',
  )
  await kernel.clock.sleep(action === 'fw_activate' ? 2500 : 1500, signal)
  pf.state = 'up'
  await loadFunctions(kernel, pf, signal)
  if (kernel.modules.has('mlx5_ib')) for (const vf of pf.vfs) addVfIb(kernel, pf, vf)
  if (action === 'fw_activate') pf.reloadStats.fwActivate++
  else pf.reloadStats.driverReinit++
  return {
    actions: action === 'fw_activate' ? ['driver_reinit', 'fw_activate'] : ['driver_reinit'],
    ...(warning ? { warning } : {}),
  }
}
