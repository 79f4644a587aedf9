import type { OperationRequest } from '../../../contract'
import { needsEswitchAndVfs, type DrillDefinition } from './drill'

/**
 * `mode-race`: E-Switch mode flips racing mlx5_ib reloads and VF count changes, for K iterations;
 * afterwards the representors must be consistent and dmesg free of splats.
 *
 * Kernel behaviour: `mlx5_eswitch_(un)register_vport_reps()` (mlx5_ib aux probe/remove) raced
 * with `mlx5_devlink_eswitch_mode_set` and VF enable/disable; pre-series kernels can end with
 * inconsistent representors or lockdep/KASAN splats. Fixed by series patches 3/7 + 5/7 (the
 * `reps_lock` mutex). docs/domain.md §4.2; ovs-tests test-eswitch-reload-modules-set-legacy.sh.
 * Non-zero exits during the race (`E-Switch is busy`, EBUSY) are expected and only noted.
 */
export const modeRace: DrillDefinition = {
  info: {
    kind: 'mode-race',
    title: 'E-Switch mode flip racing mlx5_ib reload and VF changes',
    description:
      'concurrently: mode legacy↔switchdev, modprobe -r/modprobe mlx5_ib, VFs 0↔N; then check consistency',
    checks: [
      'consistent ETH/IB representors after the race',
      'no kernel splat (lockdep, KASAN, WARNING)',
    ],
    source: 'docs/domain.md §4.2 (series patches 3/7, 5/7)',
    needsFaultInjection: false,
  },
  // A race needs repetitions: K = 10 unless the caller asks otherwise (docs/domain.md §4.2).
  defaults: { iterations: 10 },
  minVfs: 1,
  applies: (t) => needsEswitchAndVfs(t, 'mode-race'),
  async iterate(ctx) {
    const n = Math.max(1, ctx.params.vfs)
    await ctx.ensureMode('switchdev')
    await ctx.ensureVfs(n)
    await ctx.ensureIb(true)
    const dev = ctx.device
    // mlx5_ib exists only for mlx5: on any other driver the race is mode flips × VF changes.
    const ib = ctx.family === 'mlx5_core'
    const toLegacy = await ctx.commands({ op: 'eswitch-mode', device: dev, mode: 'legacy' })
    const toSwitchdev = await ctx.commands({ op: 'eswitch-mode', device: dev, mode: 'switchdev' })
    const vfsOff = await ctx.commands({ op: 'vf-count', device: dev, count: 0 })
    // VFs are at n now, so this is the single `echo n` that re-creates them after vfsOff.
    const vfsOn = await ctx.commands({ op: 'vf-count', device: dev, count: n })
    const lanes = [
      [...toLegacy, ...toSwitchdev],
      [...vfsOff, ...vfsOn],
    ]
    const affects: OperationRequest[] = [
      { op: 'eswitch-mode', device: dev, mode: 'switchdev' },
      { op: 'vf-count', device: dev, count: n },
    ]
    if (ib) {
      const unload = await ctx.commands({ op: 'module', module: 'mlx5_ib', action: 'unload' })
      const load = await ctx.commands({ op: 'module', module: 'mlx5_ib', action: 'load' })
      lanes.splice(1, 0, [...unload, ...load])
      affects.splice(1, 0, { op: 'module', module: 'mlx5_ib', action: 'load' })
    }
    const title = ib ? 'race: mode flip × mlx5_ib reload × VF count' : 'race: mode flip × VF count'
    await ctx.race(title, lanes, affects)
    await ctx.ensureIb(true)
    // netdevsim leaves switchdev whenever its VFs go through 0: VFs first, then the mode.
    await ctx.ensureVfs(n)
    await ctx.ensureMode('switchdev')
    await ctx.waitStep(
      'consistent after the race',
      () => true,
      () => [],
    )
  },
}
