import type { HealthReporter, HostSnapshot } from '../../../contract'
import type { DrillContext } from '../drill-context'
import { checkFatalRecovery } from '../invariants'
import { findDevice } from '../snapshot-query'
import { driverText, type DrillDefinition, type DrillTarget } from './drill'

/**
 * The reporter that carries a device's fatal errors and how the drill causes one: mlx5's
 * `fw_fatal` (a firmware assert through labsim, or one that happens on its own), netdevsim's
 * `dummy` (its own debugfs `health/break_health`, as the kernel's selftests drive it).
 */
function fatalReporter(t: Pick<DrillTarget, 'family'>): string {
  return t.family === 'netdevsim' ? 'dummy' : 'fw_fatal'
}

function reporterOf(s: HostSnapshot, device: string, name: string): HealthReporter | undefined {
  return findDevice(s, device)?.health.find((h) => h.reporter === name && h.port === undefined)
}

/**
 * How long the device may look quiet before its fatal error is reported or recovered, ms: mlx5
 * polls health every 2 s (`MLX5_HEALTH_POLL_INTERVAL`, health.c) and the recovery waits for the
 * firmware without a visible change, so the waits of this drill settle no sooner than this
 * (docs/domain.md §3.2).
 */
const HEALTH_QUIET_MS = 6000

/**
 * `fatal-recovery`: cause (or await) a fatal error; check the device reports it, recovers with
 * the reporter's error and recover counters moved, and a dump of it can be read.
 *
 * Kernel behaviour, mlx5: health poller → `Fatal error N detected` → `fw_fatal` report (error++,
 * auto-dump) → `mlx5_health_try_recover` → `health recovery succeeded` (recover++, healthy). A
 * second fatal error inside `grace_period` (60 s on a PF) is not auto-recovered, so iterations
 * beyond the first need a host that scales time. docs/domain.md §3.2, §3.3; NVIDIA
 * MLNX_OFED "Reset Flow" doc. netdevsim: a write to debugfs `health/break_health` reports to the
 * `dummy` reporter (error++, auto-dump with the break message) and, with `auto_recover` (the
 * default, grace period 0), recovers at once (recover++); drivers/net/netdevsim/health.c (6.1),
 * tools/testing/selftests/drivers/net/netdevsim/devlink.sh `dummy_reporter_test`.
 */
export const fatalRecovery: DrillDefinition = {
  info: {
    kind: 'fatal-recovery',
    title: 'Fatal error recovery with crdump',
    description:
      'inject (labsim, netdevsim debugfs) or await a fatal error; the device must recover; read its dump',
    checks: [
      'error and recover counters move',
      'device comes back healthy',
      'crdump / health dump readable',
      'no kernel splat',
    ],
    source: 'docs/domain.md §3.2, §3.3; NVIDIA Reset Flow doc; netdevsim health.c',
    needsFaultInjection: false,
  },
  applies(t) {
    const name = fatalReporter(t)
    if (t.family === 'other' || !reporterOf(t.snapshot, t.device.handle, name))
      return `fatal-recovery needs a fatal-error reporter (mlx5 fw_fatal, netdevsim dummy); ${t.device.handle} (${driverText(t.device)}) lists ${t.device.health.map((h) => h.reporter).join(', ') || 'none'}`
    return null
  },
  async iterate(ctx) {
    // This drill causes the fatal error on purpose: no `fw-fatal` finding for it.
    ctx.expectFatal()
    const name = fatalReporter(ctx)
    const before = await ctx.snapshot()
    const base = reporterOf(before, ctx.device, name)
    const errors = base?.error ?? 0
    const recovers = base?.recover ?? 0
    if (ctx.env.faultSupported || ctx.family === 'netdevsim') {
      await ctx.op(
        'inject fw-assert',
        { op: 'fault', device: ctx.device, fault: 'fw-assert' },
        { checks: 'none' },
      )
    }
    const reported = (s: HostSnapshot): boolean =>
      (reporterOf(s, ctx.device, name)?.error ?? 0) > errors
    await ctx.waitStep('fatal error reported', reported, () => [], 'none', HEALTH_QUIET_MS)
    if (base?.autoRecover === false) {
      await ctx.op('recover', {
        op: 'health',
        device: ctx.device,
        reporter: name,
        action: 'recover',
      })
    }
    const after = await awaitRecovery(ctx, before, name, recovers)
    if (after)
      await ctx.checkStep(
        `${name} counters`,
        checkFatalRecovery(before, after, ctx.device, ctx.place(`${name} counters`), name),
      )
    await readDump(ctx, name)
  },
}

async function awaitRecovery(
  ctx: DrillContext,
  before: HostSnapshot,
  name: string,
  recovers: number,
): Promise<HostSnapshot | undefined> {
  const recovered = (s: HostSnapshot): boolean => {
    const r = reporterOf(s, ctx.device, name)
    return (
      Boolean(findDevice(s, ctx.device)?.driver) &&
      r !== undefined &&
      r.recover > recovers &&
      r.state === 'healthy'
    )
  }
  return ctx.waitStep(
    'device recovered',
    recovered,
    (s) => checkFatalRecovery(before, s, ctx.device, ctx.place('device recovered'), name),
    'all',
    HEALTH_QUIET_MS,
  )
}

/** The crdump (mlx5) or the reporter's health dump (netdevsim) must not be empty. */
async function readDump(ctx: DrillContext, name: string): Promise<void> {
  const dump =
    ctx.family === 'netdevsim'
      ? await ctx.op('read the health dump', {
          op: 'health',
          device: ctx.device,
          reporter: name,
          action: 'dump',
        })
      : await ctx.op('collect crdump', { op: 'crdump', device: ctx.device })
  if ((dump.result.output ?? '').trim() === '') {
    await ctx.checkStep('crdump not empty', [
      {
        severity: 'warning',
        invariant: 'crdump',
        message: `the ${name} dump of ${ctx.device} is empty`,
        ...ctx.place('crdump not empty'),
      },
    ])
  }
}
