import { hexId } from './catalog'
import { KernelError } from './errno'
import { disableVport, enableVport, eswitchLog, lateTrigger, withOperation } from './eswitch'
import type { Kernel } from './kernel'
import type { Pf, Vf } from './mlx5-types'
import { deviceReporters } from './mlx5-types'
import { macFor } from './netdev'
import { guidFor } from './rdma'

/** PCI address of VF `i` of a PF: VFs follow all PFs of the card, then earlier PFs' VFs. */
export function vfBdf(pf: Pf, i: number): string {
  const [domain = '0000'] = pf.bdf.split(':')
  const before = pf.card.pfs.filter((p) => p.pfnum < pf.pfnum).reduce((n, p) => n + p.totalVfs, 0)
  const rid = (pf.card.bus << 8) + pf.card.pfs.length + before + i
  const bus = (rid >> 8) & 0xff
  const dev = (rid >> 3) & 0x1f
  const fn = rid & 7
  return `${domain}:${bus.toString(16).padStart(2, '0')}:${dev.toString(16).padStart(2, '0')}.${fn}`
}

/**
 * Store to `sriov_numvfs` (drivers/pci/iov.c `sriov_numvfs_store` + mlx5 `mlx5_core_sriov_configure`):
 * > total → ERANGE; same value → no-op; nonzero → other nonzero → EBUSY with the PCI core's
 * message; no driver → ENOENT. Enabling probes every VF synchronously (≈0.6 s each, docs/domain.md §5);
 * in switchdev each VF vport gets a devlink port and representors. The mode never changes.
 */
export async function setNumVfs(
  kernel: Kernel,
  pf: Pf,
  n: number,
  signal?: AbortSignal,
): Promise<void> {
  if (!Number.isInteger(n) || n < 0) throw new KernelError('EINVAL')
  if (n > pf.totalVfs) throw new KernelError('ERANGE')
  if (n === pf.numVfs) return
  if (!pf.bound) throw new KernelError('ENOENT')
  if (pf.numVfs > 0 && n > 0) {
    kernel.devLog(pf.bdf, `${pf.numVfs} VFs already enabled. Disable before enabling ${n} VFs`)
    throw new KernelError('EBUSY')
  }
  await pf.devlinkLock.run(() =>
    withOperation(kernel, pf, 'sriov', async () => {
      if (n > 0) await enableVfs(kernel, pf, n, signal)
      else await disableVfs(kernel, pf, signal)
      lateTrigger(kernel, pf)
    }),
  )
}

async function enableVfs(kernel: Kernel, pf: Pf, n: number, signal?: AbortSignal): Promise<void> {
  pf.numVfs = n
  eswitchLog(kernel, pf, 'Enable')
  for (let i = 0; i < n; i++) {
    const vf: Vf = { index: i, bdf: vfBdf(pf, i), bound: false, reporters: deviceReporters(30000) }
    pf.vfs.push(vf)
    kernel.printk(
      `pci ${vf.bdf}: [15b3:${hexId(pf.card.info.vfDeviceId).slice(2)}] type 00 class 0x020000`,
    )
    if (pf.offloads) enableVport(kernel, pf, i + 1)
    kernel.fwTrace(pf, `VF ${i} enabled (vport ${i + 1}), function 0x${(i + 1).toString(16)} ready`)
    if (pf.autoprobe) await probeVf(kernel, pf, vf, signal)
  }
}

async function disableVfs(kernel: Kernel, pf: Pf, signal?: AbortSignal): Promise<void> {
  eswitchLog(kernel, pf, 'Unload vfs')
  for (const vf of [...pf.vfs].reverse()) {
    if (vf.bound) removeVfDriver(kernel, pf, vf)
    if (pf.offloads) disableVport(kernel, pf, vf.index + 1)
    kernel.fwTrace(pf, `VF ${vf.index} disabled (vport ${vf.index + 1})`)
  }
  await kernel.clock.sleep(1000, signal)
  if (!pf.offloads) eswitchLog(kernel, pf, 'Disable')
  pf.vfs = []
  pf.numVfs = 0
}

/** Binds mlx5_core to a VF (≈0.6 s): VF netdev `enp8s0f0v<i>`, its RDMA device with mlx5_ib. */
export async function probeVf(kernel: Kernel, pf: Pf, vf: Vf, signal?: AbortSignal): Promise<void> {
  kernel.devLog(vf.bdf, 'enabling device (0000 -> 0002)')
  kernel.devLog(vf.bdf, `firmware version: ${pf.card.info.fwVersion}`)
  await kernel.clock.sleep(600, signal)
  vf.bound = true
  vf.reporters = deviceReporters(30000)
  addVfFunctions(kernel, pf, vf)
}

function addVfFunctions(kernel: Kernel, pf: Pf, vf: Vf): void {
  const name = pf.vfName(vf.index)
  kernel.netdevs.add({
    name,
    kind: 'vf',
    mac: macFor(vf.bdf),
    mtu: 1500,
    up: false,
    parent: { bus: 'pci', dev: vf.bdf },
    driver: 'mlx5_core',
  })
  kernel.printk(`mlx5_core ${vf.bdf} ${name}: renamed from eth0`)
  vf.netdev = name
  if (kernel.modules.has('mlx5_ib')) addVfIb(kernel, pf, vf)
  kernel.devlinkNotify({ command: 'new', object: 'dev', handle: `pci/${vf.bdf}`, attrs: {} })
}

/** Creates a bound VF's own RDMA device (mlx5_ib probing `mlx5_core.rdma.N`). */
export function addVfIb(kernel: Kernel, pf: Pf, vf: Vf): void {
  if (vf.ibdev || !vf.bound) return
  const device = kernel.rdma.add({
    fw: pf.card.info.fwVersion,
    nodeGuid: guidFor(pf.pfnum * 0x10000 + 0x100 + vf.index),
    sysImageGuid: guidFor(0),
    bdf: vf.bdf,
    isRep: false,
    ports: [{ netdev: vf.netdev }],
  })
  vf.ibdev = device.name
}

/** Unbinds mlx5_core from a VF: netdev, RDMA device and devlink instance go away. */
export function removeVfDriver(kernel: Kernel, _pf: Pf, vf: Vf): void {
  kernel.rdma.remove(vf.ibdev)
  vf.ibdev = undefined
  kernel.netdevs.remove(vf.netdev)
  vf.netdev = undefined
  vf.bound = false
  kernel.devlinkNotify({ command: 'del', object: 'dev', handle: `pci/${vf.bdf}`, attrs: {} })
}

/** Finds a VF by BDF across all PFs. */
export function findVf(kernel: Kernel, bdf: string): { pf: Pf; vf: Vf } | undefined {
  for (const pf of kernel.pfs) {
    const vf = pf.vfs.find((v) => v.bdf === bdf)
    if (vf) return { pf, vf }
  }
  return undefined
}

/**
 * `echo 1 > /sys/bus/pci/devices/<vf>/reset`: a function-level reset of that VF only. Its
 * mlx5_core instance sees the health sensors trip and recovers (docs/domain.md §3.4, inferred):
 * the VF netdev flaps (same ifindex), the PF, the representors and the other VFs are untouched.
 */
export async function resetVf(kernel: Kernel, pf: Pf, vf: Vf, signal?: AbortSignal): Promise<void> {
  kernel.fwTrace(pf, `FLR on VF ${vf.index} (function 0x${(vf.index + 1).toString(16)})`)
  await kernel.clock.sleep(100, signal)
  if (!vf.bound) return
  const netdev = vf.netdev ? kernel.netdevs.get(vf.netdev) : undefined
  const wasUp = netdev?.up ?? false
  kernel.devLog(vf.bdf, 'poll_health:803:(pid 0): Fatal error 3 detected')
  kernel.devLog(vf.bdf, 'mlx5_health_try_recover:343:(pid 2101): handling bad device here')
  if (netdev) {
    netdev.up = false
    kernel.netdevs.changed(netdev.name)
    kernel.printk(`mlx5_core ${vf.bdf} ${netdev.name}: Link down`)
  }
  const fatal = vf.reporters.find((r) => r.name === 'fw_fatal')
  if (fatal) fatal.error++
  await kernel.clock.sleep(800, signal)
  kernel.devLog(vf.bdf, 'mlx5_health_try_recover:353:(pid 2101): starting health recovery flow')
  kernel.devLog(vf.bdf, 'health recovery succeeded')
  if (fatal) fatal.recover++
  if (netdev) {
    netdev.up = wasUp
    kernel.netdevs.changed(netdev.name)
    if (wasUp) kernel.printk(`mlx5_core ${vf.bdf} ${netdev.name}: Link up`)
  }
}

/** Binds a VF (sysfs `bind`): EBUSY if already bound. */
export async function bindVf(kernel: Kernel, pf: Pf, vf: Vf, signal?: AbortSignal): Promise<void> {
  if (vf.bound) throw new KernelError('EBUSY')
  await probeVf(kernel, pf, vf, signal)
}
