import type { DrillDefinition } from './drill'

/**
 * `vf-churn`: VF count 0 → N → M → 0 in switchdev, checking the representors after each change.
 *
 * Kernel behaviour: in switchdev, writing N to `sriov_numvfs` creates N VFs and N VF
 * representors (+N devlink ports) and writing 0 removes them; nonzero → different nonzero is
 * `-EBUSY`, so N → M goes through 0 (drivers/pci/iov.c `sriov_numvfs_store`). Every change must
 * leave consistent ETH/IB reps. reference/domain.md §1.3, §1.5; ovs-tests
 * test-eswitch-toggle-sriov-after-rmmod-mlx5_ib.sh.
 */
export const vfChurn: DrillDefinition = {
  info: {
    kind: 'vf-churn',
    title: 'VF count churn in switchdev',
    description: 'switchdev; VF count 0 → N → M → 0 with representor checks after each change',
    checks: ['one ETH representor per VF', 'IB representors follow', 'no kernel splat'],
    source: 'reference/domain.md §1.3',
    needsFaultInjection: false,
  },
  async iterate(ctx) {
    const n = Math.max(1, ctx.params.vfs)
    const m = ctx.params.vfsAlt ?? n + 1
    await ctx.ensureMode('switchdev')
    await ctx.ensureVfs(0)
    for (const count of [n, m, 0]) {
      await ctx.op(`vf count ${count}`, { op: 'vf-count', device: ctx.device, count })
    }
  },
}
