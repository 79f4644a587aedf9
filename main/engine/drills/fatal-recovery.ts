import type { HostSnapshot } from '../../../contract'
import { checkFatalRecovery } from '../invariants'
import { findDevice, fwFatal } from '../snapshot-query'
import type { DrillDefinition } from './drill'

/**
 * `fatal-recovery`: inject (labsim `fw-assert`) or await a fatal firmware error; check the reset
 * flow brings the device back with the fw_fatal error and recover counters moved, and collect a
 * crdump from whichever source the host offers.
 *
 * Kernel behaviour: health poller → `Fatal error N detected` → `fw_fatal` report (error++,
 * auto-dump) → `mlx5_health_try_recover` → `health recovery succeeded` (recover++, healthy).
 * A second fatal error inside `grace_period` (60 s on a PF) is not auto-recovered, so iterations
 * beyond the first need a host that scales time. reference/domain.md §3.2, §3.3; NVIDIA
 * MLNX_OFED "Reset Flow" doc.
 */
export const fatalRecovery: DrillDefinition = {
  info: {
    kind: 'fatal-recovery',
    title: 'Fatal error recovery with crdump',
    description:
      'inject (labsim) or await a firmware fatal error; the device must recover; collect a crdump',
    checks: [
      'fw_fatal error and recover counters move',
      'device comes back healthy',
      'crdump readable',
      'no kernel splat',
    ],
    source: 'reference/domain.md §3.2, §3.3; NVIDIA Reset Flow doc',
    needsFaultInjection: false,
  },
  async iterate(ctx) {
    // This drill causes the fatal error on purpose: no `fw-fatal` finding for it.
    ctx.expectFatal()
    const before = await ctx.snapshot()
    const base = fwFatal(findDevice(before, ctx.device))
    const errors = base?.error ?? 0
    const recovers = base?.recover ?? 0
    if (ctx.env.faultSupported) {
      await ctx.op(
        'inject fw-assert',
        { op: 'fault', device: ctx.device, fault: 'fw-assert' },
        { checks: 'none' },
      )
    }
    const reported = (s: HostSnapshot): boolean =>
      (fwFatal(findDevice(s, ctx.device))?.error ?? 0) > errors
    await ctx.waitStep('fatal error reported', reported, () => [], 'none')
    const recovered = (s: HostSnapshot): boolean => {
      const d = findDevice(s, ctx.device)
      const r = fwFatal(d)
      return Boolean(d?.driver) && r !== undefined && r.recover > recovers && r.state === 'healthy'
    }
    const after = await ctx.waitStep('device recovered', recovered, (s) =>
      checkFatalRecovery(before, s, ctx.device, ctx.place('device recovered')),
    )
    if (after)
      await ctx.checkStep(
        'fw_fatal counters',
        checkFatalRecovery(before, after, ctx.device, ctx.place('fw_fatal counters')),
      )
    const dump = await ctx.op('collect crdump', { op: 'crdump', device: ctx.device })
    if ((dump.result.output ?? '').trim() === '') {
      await ctx.checkStep('crdump not empty', [
        {
          severity: 'warning',
          invariant: 'crdump',
          message: `crdump of ${ctx.device} is empty`,
          ...ctx.place('crdump not empty'),
        },
      ])
    }
  },
}
