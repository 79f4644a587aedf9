import type { Change } from '../../../contract'
import { checkIsolation } from '../invariants'
import { findDevice } from '../snapshot-query'
import type { DrillDefinition } from './drill'

/**
 * `vf-reset-isolation`: reset each VF in turn through sysfs; only that VF may flap.
 *
 * Kernel behaviour: `echo 1 > /sys/bus/pci/devices/<VF>/reset` is a function-level reset of that
 * VF only; "the PF and the other VFs keep working" (NVIDIA MLNX_OFED "Reset Flow" doc; docs/design.md
 * source document 2). Checked as: same ifindex and no operstate flap on the PF uplink and every
 * other VF netdev, and the PF and every other VF keep their driver (for functions without
 * netdevs, such as an NVMe PF's VFs, that is what can be seen). docs/domain.md §3.2, §3.4
 * (VF FLR); drivers/pci/pci.c `pci_reset_function` (6.1).
 */
export const vfResetIsolation: DrillDefinition = {
  info: {
    kind: 'vf-reset-isolation',
    title: 'VF reset isolation',
    description:
      'reset each VF in turn via sysfs; the PF and the other VFs keep ifindex and carrier',
    checks: ['only the reset VF may flap', 'structural representor invariants', 'no kernel splat'],
    source: 'NVIDIA Reset Flow doc (VF reset); docs/domain.md §3.4',
    needsFaultInjection: false,
  },
  minVfs: 1,
  applies(t) {
    const { device } = t
    if (!device.pci || device.pci.totalvfs === 0)
      return t.family === 'netdevsim'
        ? `netdevsim's VFs are not PCI functions: ${device.handle} has no VF to reset`
        : `${device.handle} is not a PCI SR-IOV PF`
    return device.driver ? null : `${device.handle} has no driver: its VFs cannot be created`
  },
  async iterate(ctx) {
    await ctx.ensureVfs(Math.max(1, ctx.params.vfs))
    const vfs = findDevice(await ctx.snapshot(), ctx.device)?.pci?.vfs ?? []
    for (const vf of vfs) {
      const before = await ctx.snapshot()
      const changes: Change[] = []
      const off = ctx.env.ports.source.onChange((_s, diff) => changes.push(...diff.changes))
      try {
        const name = `reset VF ${vf.vf} (${vf.bdf})`
        const outcome = await ctx.op(name, { op: 'pci-reset', bdf: vf.bdf })
        const after = outcome.after ?? (await ctx.snapshot())
        await ctx.checkStep(
          `isolation of VF ${vf.vf}`,
          checkIsolation(
            before,
            after,
            changes,
            ctx.device,
            vf.bdf,
            ctx.place(`isolation of VF ${vf.vf}`),
          ),
        )
      } finally {
        off()
      }
    }
  },
}
