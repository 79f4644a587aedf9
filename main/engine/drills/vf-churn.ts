import { needsEswitchAndVfs, type DrillDefinition } from './drill'

/**
 * `vf-churn`: VF count 0 → N → 0 → M → 0 in switchdev, checking the representors after each
 * change.
 *
 * Kernel behaviour: in switchdev, writing N to `sriov_numvfs` creates N VFs and N VF
 * representors (+N devlink ports) and writing 0 removes them; nonzero → different nonzero is
 * `-EBUSY`, so N → M goes through 0 (drivers/pci/iov.c `sriov_numvfs_store`). Every change must
 * leave consistent ETH/IB reps. netdevsim does the same, except that 0 VFs returns its E-Switch
 * to legacy (drivers/net/netdevsim/dev.c `nsim_drv_configure_vfs`, 6.1), so the drill sets
 * switchdev again before each nonzero count. docs/domain.md §1.3, §1.5, §6; ovs-tests
 * test-eswitch-toggle-sriov-after-rmmod-mlx5_ib.sh.
 */
export const vfChurn: DrillDefinition = {
  info: {
    kind: 'vf-churn',
    title: 'VF count churn in switchdev',
    description: 'switchdev; VF count 0 → N → M → 0 with representor checks after each change',
    checks: ['one ETH representor per VF', 'IB representors follow', 'no kernel splat'],
    source: 'docs/domain.md §1.3',
    needsFaultInjection: false,
  },
  minVfs: 1,
  applies: (t) => needsEswitchAndVfs(t, 'vf-churn'),
  async iterate(ctx) {
    const n = Math.max(1, ctx.params.vfs)
    const m = ctx.params.vfsAlt ?? n + 1
    await ctx.ensureMode('switchdev')
    await ctx.ensureVfs(0)
    // N → M is split into N → 0 → M: the kernel goes through 0 anyway (EBUSY otherwise), and
    // netdevsim leaves switchdev at 0, so switchdev is entered again before each nonzero count.
    for (const count of [n, 0, m, 0]) {
      if (count > 0) await ctx.ensureMode('switchdev')
      await ctx.op(`vf count ${count}`, { op: 'vf-count', device: ctx.device, count })
    }
  },
}
