import type { Finding, HostSnapshot } from '../../../contract'
import { findDevice, vfPort } from '../snapshot-query'
import type { DrillContext } from '../drill-context'
import { driverText, needsEswitchAndVfs, type DrillDefinition } from './drill'

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
 * `reload-unwind`: a devlink reload that fails part-way must leave every ETH representor that was
 * loaded before it, and a clean reload must bring everything back.
 *
 * mlx5 (labsim fault injection): devlink reload (`driver_reinit`) with an injected IB
 * representor load failure on VF 0's vport; every ETH representor must survive, only that IB
 * port may be missing; then a clean reload must bring the IB representor back. Pre-series
 * `mlx5_esw_offloads_rep_load()` unwound every representor type it iterated on a failure,
 * tearing down ETH reps that were loaded before; series patch 6/7 `8a6712925d38` unwinds only the
 * types this call loaded. docs/domain.md §4.3, §1.5.
 *
 * netdevsim (its own debugfs knobs, drivers/net/netdevsim/dev.c 6.1, as the kernel's selftest
 * `reload_test` drives them): with `dont_allow_reload` the reload is refused before anything is
 * torn down, so every representor must still be there; with `fail_reload` the rebuild fails and
 * devlink reports `reload_failed`; a clean reload must then bring the device back (in legacy
 * with 0 VFs, as every netdevsim reload), after which VFs and switchdev bring the reps back.
 */
export const reloadUnwind: DrillDefinition = {
  info: {
    kind: 'reload-unwind',
    title: 'Reload error unwind keeps ETH representors',
    description:
      'devlink reload that fails (injected IB rep load failure; netdevsim fail_reload/dont_allow_reload); ETH reps must survive; a clean reload restores them',
    checks: [
      'ETH representors survive a failed or refused reload',
      'clean reload restores all reps',
      'no kernel splat',
    ],
    source: 'docs/domain.md §4.3 (series patch 6/7 8a6712925d38); netdevsim dev.c reload',
    needsFaultInjection: false,
  },
  minVfs: 1,
  applies(t) {
    const base = needsEswitchAndVfs(t, 'reload-unwind')
    if (base) return base
    if (t.family === 'netdevsim') return null
    if (t.family === 'mlx5_core')
      return t.faultSupported
        ? null
        : `reload-unwind on mlx5 injects an IB representor load failure, which only labsim offers; ${t.snapshot.host.name} has no fault injection`
    return `reload-unwind needs a way to make a reload fail (labsim, netdevsim debugfs); ${t.device.handle} (${driverText(t.device)}) has none`
  },
  iterate: (ctx) => (ctx.family === 'netdevsim' ? nsimIteration(ctx) : mlx5Iteration(ctx)),
}

/** VF number → ETH representor netdev, for the VFs the device has now. */
async function repsNow(ctx: DrillContext): Promise<Map<number, string>> {
  const d = findDevice(await ctx.snapshot(), ctx.device)
  const reps = new Map<number, string>()
  for (const p of d?.ports ?? []) {
    if (p.flavour === 'pcivf' && p.vfnum !== undefined && p.netdev) reps.set(p.vfnum, p.netdev)
  }
  return reps
}

async function mlx5Iteration(ctx: DrillContext): Promise<void> {
  await ctx.ensureMode('switchdev')
  await ctx.ensureVfs(Math.max(1, ctx.params.vfs))
  await ctx.ensureIb(true)
  const reps = await repsNow(ctx)
  // VF i is vport i+1 (include/linux/mlx5/vport.h MLX5_VPORT_FIRST_VF, docs/domain.md §1.4)
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
}

async function nsimIteration(ctx: DrillContext): Promise<void> {
  const n = Math.max(1, ctx.params.vfs)
  const reload = { op: 'devlink-reload', device: ctx.device, action: 'driver_reinit' } as const
  const fault = (f: 'reload-refuse' | 'reload-fail' | 'clear') =>
    ({ op: 'fault', device: ctx.device, fault: f }) as const
  await ctx.ensureVfs(n)
  await ctx.ensureMode('switchdev')
  const reps = await repsNow(ctx)
  await ctx.op('arm dont_allow_reload', fault('reload-refuse'), { checks: 'none' })
  const refused = await ctx.op('devlink reload (refused)', reload, {
    checks: 'none',
    allowFailure: true,
  })
  await ctx.checkStep('reload refused', expectFailed(refused.result.status, 'refused reload', ctx))
  await ctx.checkStep(
    'ETH representors survived',
    ethRepsSurvived(
      reps,
      await ctx.snapshot(),
      ctx.device,
      'ETH representors survived',
      ctx.iteration,
    ),
  )
  await ctx.op('disarm dont_allow_reload', fault('clear'), { checks: 'none' })
  await ctx.op('arm fail_reload', fault('reload-fail'), { checks: 'none' })
  const failed = await ctx.op('devlink reload (fails)', reload, {
    checks: 'none',
    allowFailure: true,
  })
  await ctx.checkStep('reload failed', expectFailed(failed.result.status, 'failing reload', ctx))
  await ctx.op('disarm fail_reload', fault('clear'), { checks: 'none' })
  await ctx.op('clean devlink reload', reload)
  await ctx.ensureVfs(n)
  await ctx.ensureMode('switchdev')
}

/** A reload the knob should have made fail, but which succeeded, is a finding. */
function expectFailed(status: string, what: string, ctx: DrillContext): Finding[] {
  if (status !== 'ok') return []
  return [
    {
      severity: 'error',
      invariant: 'reload-unwind',
      message: `the ${what} succeeded: ${ctx.device} ignored its debugfs knob`,
      ...ctx.place(what),
    },
  ]
}
