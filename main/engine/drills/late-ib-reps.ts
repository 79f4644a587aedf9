import { checkIbReps } from '../invariants'
import { driverText, needsEswitchAndVfs, type DrillDefinition } from './drill'

/**
 * `late-ib-reps`: switchdev with N VFs, unload mlx5_ib, load it again; the IB representors must
 * appear within T (`timeoutMs`).
 *
 * Kernel behaviour: loading mlx5_ib while the E-Switch is already in switchdev must load the IB
 * representors of the uplink and every VF. Pre-series kernels only register them and never load
 * them (silent omission); fixed by net/mlx5 series patch 7/7 `25933aca1012`, which queues
 * `mlx5_eswitch_reload_reps` after registration. docs/domain.md §4.1, §1.6.
 */
export const lateIbReps: DrillDefinition = {
  info: {
    kind: 'late-ib-reps',
    title: 'Late mlx5_ib load creates IB representors',
    description:
      'switchdev with N VFs; modprobe -r mlx5_ib; modprobe mlx5_ib; IB reps must appear within the timeout',
    checks: [
      'every representor netdev sits on a port of exactly one IB representor device',
      'no kernel splat',
    ],
    source: 'docs/domain.md §4.1 (series patch 7/7 25933aca1012)',
    needsFaultInjection: false,
  },
  minVfs: 0,
  applies: (t) =>
    needsEswitchAndVfs(t, 'late-ib-reps') ??
    (t.family === 'mlx5_core'
      ? null
      : `late-ib-reps loads IB representors through mlx5_ib; ${t.device.handle} is driven by ${driverText(t.device)}, which has no IB representors`),
  async iterate(ctx) {
    await ctx.ensureMode('switchdev')
    await ctx.ensureVfs(ctx.params.vfs)
    await ctx.ensureIb(true)
    await ctx.op(
      'unload mlx5_ib',
      { op: 'module', module: 'mlx5_ib', action: 'unload' },
      { checks: 'eth' },
    )
    await ctx.op(
      'load mlx5_ib',
      { op: 'module', module: 'mlx5_ib', action: 'load' },
      { checks: 'eth' },
    )
    await ctx.waitStep(
      'IB representors appear',
      (s) => checkIbReps(s, ctx.device, ctx.place('IB representors appear')).length === 0,
      (s) => checkIbReps(s, ctx.device, ctx.place('IB representors appear')),
    )
  },
}
