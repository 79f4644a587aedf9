import type { Finding, HostSnapshot } from '../../../contract'
import { findDevice, vfPort } from '../snapshot-query'
import type { DrillDefinition } from './drill'

function ethRepsSurvived(
  before: Map<number, string>,
  s: HostSnapshot,
  device: string,
  step: string,
  iteration: number,
): Finding[] {
  const d = findDevice(s, device)
  const out: Finding[] = []
  for (const [vf, netdev] of before) {
    const port = d ? vfPort(d, vf) : undefined
    if (!port?.netdev) {
      out.push({
        severity: 'error',
        invariant: 'reload-unwind-eth-reps',
        message: `ETH representor ${netdev} (VF ${vf}) vanished after the failed IB representor load`,
        step,
        iteration,
        ...(port ? { evidence: JSON.stringify(port) } : {}),
      })
    }
  }
  return out
}

/**
 * `reload-unwind`: devlink reload (`driver_reinit`) with an injected IB representor load failure
 * on VF 0's vport; every ETH representor must survive, only that IB port may be missing. Then a
 * clean reload must bring the IB representor back.
 *
 * Kernel behaviour: pre-series `mlx5_esw_offloads_rep_load()` unwound every representor type it
 * iterated on a failure, tearing down ETH reps that were loaded before; series patch 6/7
 * `8a6712925d38` unwinds only the types this call loaded. reference/domain.md §4.3, §1.5.
 */
export const reloadUnwind: DrillDefinition = {
  info: {
    kind: 'reload-unwind',
    title: 'Reload error unwind keeps ETH representors',
    description:
      'devlink reload with an injected IB rep load failure; ETH reps must survive; a clean reload restores IB reps',
    checks: [
      'ETH representors survive a failed IB representor load',
      'clean reload restores all reps',
      'no kernel splat',
    ],
    source: 'reference/domain.md §4.3 (series patch 6/7 8a6712925d38)',
    needsFaultInjection: true,
  },
  async iterate(ctx) {
    await ctx.ensureMode('switchdev')
    await ctx.ensureVfs(Math.max(1, ctx.params.vfs))
    await ctx.ensureIb(true)
    const d = findDevice(await ctx.snapshot(), ctx.device)
    const reps = new Map<number, string>()
    for (const vf of d?.pci?.vfs ?? []) {
      const n = d ? vfPort(d, vf.vf)?.netdev : undefined
      if (n) reps.set(vf.vf, n)
    }
    // VF i is vport i+1 (include/linux/mlx5/vport.h MLX5_VPORT_FIRST_VF, domain.md §1.4)
    await ctx.op(
      'inject IB rep load failure on VF 0',
      { op: 'fault', device: ctx.device, fault: 'ib-rep-load-fail', vport: 1 },
      { checks: 'none' },
    )
    const reload = await ctx.op(
      'devlink reload (IB rep load fails)',
      { op: 'devlink-reload', device: ctx.device, action: 'driver_reinit' },
      { checks: 'none', allowFailure: true },
    )
    const after = reload.after ?? (await ctx.snapshot())
    await ctx.checkStep(
      'ETH representors survived',
      ethRepsSurvived(reps, after, ctx.device, 'ETH representors survived', ctx.iteration),
    )
    await ctx.op('clean devlink reload', {
      op: 'devlink-reload',
      device: ctx.device,
      action: 'driver_reinit',
    })
  },
}
