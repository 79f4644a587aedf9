import type { Kernel } from './kernel'
import type { Pf } from './mlx5-types'
import { UPLINK_VPORT } from './mlx5-types'

/**
 * The pre-series registration race (docs/domain.md §4.2): mlx5_ib registered or
 * unregistered representors while the E-Switch was mid-way through `operation`. Nothing
 * serialized them, so the end state can be inconsistent; a lockdep kernel also reports the
 * inverted lock order. We model one representative outcome per case:
 * - VFs present after the operation: VF0's IB rep is left REGISTERED (its ETH rep netdev has
 *   no IB port), breaking the §4.1 invariant;
 * - no VFs left: the IB representor device keeps VF0's port pointing at a netdev that no
 *   longer exists (an IB port whose ETH representor is gone).
 */
export function raceSplat(kernel: Kernel, pf: Pf, operation: string): void {
  damage(kernel, pf)
  const lines = [
    '',
    '======================================================',
    'WARNING: possible circular locking dependency detected',
    `${kernel.release} #1 Not tainted`,
    '------------------------------------------------------',
    'modprobe/4711 is trying to acquire lock:',
    `ffff8881a0c3e1a8 (&esw->mode_lock){+.+.}-{3:3}, at: mlx5_eswitch_register_vport_reps+0x3c/0x1a0 [mlx5_core]`,
    '',
    'but task is already holding lock:',
    `ffff8881a0c3e0b0 (&dev->intf_state_mutex){+.+.}-{3:3}, at: mlx5_rescan_drivers_locked+0x2a/0x310 [mlx5_core]`,
    '',
    'which lock already depends on the new lock.',
    '',
    `Chain exists of: &esw->mode_lock --> devlink->lock_key --> &dev->intf_state_mutex (during ${operation})`,
    '',
    'Call Trace:',
    ' <TASK>',
    ' dump_stack_lvl+0x57/0x80',
    ' check_noncircular+0x134/0x150',
    ' __lock_acquire+0x1529/0x2560',
    ' lock_acquire+0xd2/0x2f0',
    ' mlx5_eswitch_register_vport_reps+0x3c/0x1a0 [mlx5_core]',
    ' mlx5r_rep_probe+0x87/0xb0 [mlx5_ib]',
    ' auxiliary_bus_probe+0x45/0x80',
    ' really_probe+0xdb/0x340',
    ' </TASK>',
  ]
  for (const line of lines) kernel.printk(line)
}

function damage(kernel: Kernel, pf: Pf): void {
  const device = kernel.rdma.get(pf.ibdev)
  if (!pf.offloads || !device?.isRep) return
  const vf0 = pf.reps.get(1)
  const port = device.ports[pf.ibPortOf(1) - 1]
  if (!port) return
  if (vf0?.ib === 'LOADED') {
    vf0.ib = 'REGISTERED'
    delete port.netdev
  } else if (!vf0 && pf.reps.get(UPLINK_VPORT)?.ib === 'LOADED') {
    port.netdev = pf.repName(0)
  }
}
