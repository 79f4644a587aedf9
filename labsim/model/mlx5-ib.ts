import { createLegacyIb } from './eswitch'
import type { Kernel } from './kernel'
import type { Pf } from './mlx5-types'
import { UPLINK_VPORT } from './mlx5-types'
import { registerReps, repLoadIb, unregisterReps } from './reps'
import { addVfIb } from './sriov'

/**
 * `modprobe mlx5_ib` (docs/domain.md §1.6, §4.1): every bound function in legacy gets its RDMA
 * device; a PF in switchdev has `mlx5_core.rdma-rep.N`, whose probe registers the IB rep ops
 * (all reps REGISTERED, nothing loaded).
 * - `fixed` (patch 7/7): the registration queues `mlx5_eswitch_reload_reps` on the E-Switch
 *   workqueue, which takes the reps lock and loads the uplink IB rep first (creating the IB
 *   representor device), then every vport whose ETH rep is loaded (best effort).
 * - `pre-series`: nothing triggers the load; the IB reps stay REGISTERED until a later mode
 *   toggle, VF count change or reload. If an E-Switch reconfiguration is in flight, the
 *   unserialized registration races with it (./splat.ts).
 */
export async function loadMlx5Ib(kernel: Kernel): Promise<void> {
  if (kernel.modules.has('mlx5_ib')) return
  kernel.modules.add('mlx5_ib')
  for (const pf of kernel.pfs.filter((p) => p.bound && p.state !== 'unloaded')) {
    const probe = async (): Promise<void> => {
      if (!pf.offloads) createLegacyIb(kernel, pf)
      else registerReps(pf, 'ib')
      for (const vf of pf.vfs) addVfIb(kernel, pf, vf)
    }
    if (kernel.profile === 'pre-series') {
      if (pf.operation) pf.raced = true
      await probe()
      continue
    }
    await pf.repsLock.run(probe)
    if (pf.offloads) void lateLoadWork(kernel, pf)
  }
}

async function lateLoadWork(kernel: Kernel, pf: Pf): Promise<void> {
  await kernel.clock.sleep(150)
  await pf.repsLock.run(async () => {
    if (!pf.offloads || !kernel.modules.has('mlx5_ib') || !pf.bound) return
    if (!repLoadIb(kernel, pf, UPLINK_VPORT)) return
    kernel.fwTrace(pf, 'IB representor device created for uplink')
    for (const vport of [...pf.reps.keys()]
      .filter((v) => v !== UPLINK_VPORT)
      .sort((a, b) => a - b)) {
      const rep = pf.reps.get(vport)
      if (rep?.eth === 'LOADED') repLoadIb(kernel, pf, vport)
      await kernel.clock.sleep(20)
    }
  })
}

/**
 * `modprobe -r mlx5_ib` / `rmmod mlx5_ib`: removes every mlx5 RDMA device; in switchdev the
 * rdma-rep remove unregisters the IB rep ops (unload, then UNREGISTERED). Synchronous.
 */
export async function unloadMlx5Ib(kernel: Kernel): Promise<void> {
  kernel.modules.delete('mlx5_ib')
  for (const pf of kernel.pfs) {
    const remove = async (): Promise<void> => {
      for (const vf of pf.vfs) {
        kernel.rdma.remove(vf.ibdev)
        vf.ibdev = undefined
      }
      if (pf.offloads && pf.bound) unregisterReps(kernel, pf, 'ib')
      else {
        kernel.rdma.remove(pf.ibdev)
        pf.ibdev = undefined
      }
    }
    if (kernel.profile === 'pre-series') {
      if (pf.operation) pf.raced = true
      await remove()
    } else await pf.repsLock.run(remove)
  }
  for (const device of kernel.rdma.list()) kernel.rdma.remove(device.name)
}
