import { reloadPf } from '../model/driver'
import { KernelError } from '../model/errno'
import { setEswitchMode } from '../model/eswitch'
import type { Kernel } from '../model/kernel'
import type { EswitchMode } from '../model/mlx5-types'
import type { CommandContext } from '../shell/types'
import type { DevlinkDev } from './common'
import { devlinkDevs, findDevlink, matches, printKernelError } from './common'
import type { DevlinkOpts } from './devlink'
import { jsonOut } from './devlink-format'

async function usage(ctx: CommandContext, text: string): Promise<number> {
  await ctx.io.stderr.write(`${text}\n`)
  return 1
}

/** Resolves a DEV argument; prints iproute2's errors when missing or unknown. */
export async function needDev(
  kernel: Kernel,
  ctx: CommandContext,
  handle: string | undefined,
): Promise<DevlinkDev | undefined> {
  if (!handle || !handle.includes('/')) {
    await usage(ctx, 'Devlink identification ("bus_name/dev_name") expected')
    return undefined
  }
  const dev = findDevlink(kernel, handle)
  if (!dev) {
    await ctx.io.stderr.write('kernel answers: No such device\n')
    return undefined
  }
  return dev
}

/** `devlink dev …`. */
export async function devCommand(
  kernel: Kernel,
  ctx: CommandContext,
  o: DevlinkOpts,
  args: string[],
): Promise<number> {
  const [sub, ...rest] = args
  if (sub === undefined || matches(sub, 'show') || matches(sub, 'list'))
    return devShow(kernel, ctx, o, rest[0])
  if (matches(sub, 'eswitch')) {
    const [verb, handle, ...params] = rest
    if (matches(verb, 'show')) return eswitchShow(kernel, ctx, o, handle)
    if (matches(verb, 'set')) return eswitchSet(kernel, ctx, handle, params)
    return usage(ctx, `Command "${verb ?? ''}" not found`)
  }
  if (matches(sub, 'info')) return devInfo(kernel, ctx, o, rest[0])
  if (matches(sub, 'param') && (rest[0] === undefined || matches(rest[0], 'show')))
    return paramShow(kernel, ctx, o, rest[1])
  if (matches(sub, 'reload')) return devReload(kernel, ctx, o, rest)
  return usage(ctx, `Command "${sub}" not found`)
}

function reloadStats(dev: DevlinkDev): Record<string, unknown> {
  if (dev.kind === 'sim') {
    return {
      reload: { driver_reinit: { unspecified: dev.sim.reloads } },
      remote_reload: {
        driver_reinit: { unspecified: 0 },
        fw_activate: { unspecified: 0, no_reset: 0 },
      },
    }
  }
  const s =
    dev.kind === 'pf'
      ? dev.pf.reloadStats
      : { driverReinit: 0, fwActivate: 0, fwActivateNoReset: 0 }
  return {
    reload: {
      driver_reinit: { unspecified: s.driverReinit },
      fw_activate: { unspecified: s.fwActivate, no_reset: s.fwActivateNoReset },
    },
    remote_reload: {
      driver_reinit: { unspecified: 0 },
      fw_activate: { unspecified: 0, no_reset: 0 },
    },
  }
}

function statsText(stats: Record<string, unknown>): string {
  let out = '  stats:\n'
  for (const [kind, actions] of Object.entries(stats)) {
    out += `      ${kind}:\n`
    for (const [action, limits] of Object.entries(
      actions as Record<string, Record<string, number>>,
    )) {
      out += `          ${action}:\n            ${Object.entries(limits)
        .map(([k, v]) => `${k} ${v}`)
        .join(' ')}\n`
    }
  }
  return out
}

async function devShow(
  kernel: Kernel,
  ctx: CommandContext,
  o: DevlinkOpts,
  handle?: string,
): Promise<number> {
  let devs = devlinkDevs(kernel)
  if (handle) {
    const dev = await needDev(kernel, ctx, handle)
    if (!dev) return 1
    devs = [dev]
  }
  const failed = (d: DevlinkDev): boolean =>
    d.kind === 'pf' ? d.pf.reloadFailed : d.kind === 'sim' ? d.sim.reloadFailed : false
  if (o.json) {
    const body: Record<string, unknown> = {}
    for (const d of devs)
      body[d.handle] = {
        ...(failed(d) ? { reload_failed: true } : {}),
        ...(o.stats ? { stats: reloadStats(d) } : {}),
      }
    await ctx.io.stdout.write(jsonOut({ dev: body }, o.pretty))
    return 0
  }
  let out = ''
  for (const d of devs) {
    out += o.stats
      ? `${d.handle}:${failed(d) ? ' reload_failed true' : ''}\n${statsText(reloadStats(d))}`
      : `${d.handle}${failed(d) ? ': reload_failed true' : ''}\n`
  }
  await ctx.io.stdout.write(out)
  return 0
}

async function eswitchShow(
  kernel: Kernel,
  ctx: CommandContext,
  o: DevlinkOpts,
  handle?: string,
): Promise<number> {
  const dev = await needDev(kernel, ctx, handle)
  if (!dev) return 1
  if (dev.kind === 'vf') return printKernelError(ctx, new KernelError('EPERM'))
  const attrs: Record<string, string> =
    dev.kind === 'sim'
      ? { mode: dev.sim.mode }
      : await dev.pf.devlinkLock.run(async () => ({
          mode: dev.pf.mode,
          'inline-mode': dev.pf.inlineMode,
          'encap-mode': dev.pf.encapMode,
        }))
  if (o.json) await ctx.io.stdout.write(jsonOut({ dev: { [dev.handle]: attrs } }, o.pretty))
  else
    await ctx.io.stdout.write(
      `${dev.handle}: ${Object.entries(attrs)
        .map(([k, v]) => `${k} ${v}`)
        .join(' ')}\n`,
    )
  return 0
}

const modes = ['legacy', 'switchdev', 'switchdev_inactive']

async function eswitchSet(
  kernel: Kernel,
  ctx: CommandContext,
  handle: string | undefined,
  params: string[],
): Promise<number> {
  const dev = await needDev(kernel, ctx, handle)
  if (!dev) return 1
  const opts = new Map<string, string>()
  for (let i = 0; i < params.length; i += 2) opts.set(params[i] ?? '', params[i + 1] ?? '')
  if (opts.size === 0) return usage(ctx, 'Need to set at least one option')
  const mode = opts.get('mode')
  if (mode !== undefined && !modes.includes(mode))
    return usage(ctx, `Unknown eswitch mode "${mode}"`)
  try {
    if (dev.kind === 'vf') throw new KernelError('EPERM')
    if (dev.kind === 'sim') {
      if (opts.has('inline-mode') || opts.has('encap-mode')) throw new KernelError('EOPNOTSUPP')
      if (mode) dev.sim.setMode(mode)
      return 0
    }
    const pf = dev.pf
    await pf.devlinkLock.run(async () => {
      if (mode) await setEswitchMode(kernel, pf, mode as EswitchMode, ctx.signal)
      const inline = opts.get('inline-mode')
      if (inline !== undefined) pf.inlineMode = inline
      const encap = opts.get('encap-mode')
      if (encap !== undefined) {
        if (encap !== 'none' && encap !== 'basic') throw new KernelError('EOPNOTSUPP')
        pf.encapMode = encap
      }
    }, ctx.signal)
    return 0
  } catch (error) {
    return printKernelError(ctx, error)
  }
}

function infoOf(dev: DevlinkDev): Record<string, unknown> {
  if (dev.kind === 'sim')
    return {
      driver: 'netdevsim',
      versions: { running: { 'fw.mgmt': '10.20.30' }, stored: { 'fw.mgmt': '10.20.30' } },
    }
  const info = dev.pf.card.info
  const fw = { 'fw.version': info.fwVersion, fw: info.fwVersion }
  return {
    driver: 'mlx5_core',
    serial_number: dev.pf.card.serial,
    versions: { fixed: { 'fw.psid': info.psid }, running: fw, stored: fw },
  }
}

function infoText(handle: string, info: Record<string, unknown>): string {
  let out = `${handle}:\n  driver ${String(info.driver)}\n`
  if (info.serial_number) out += `  serial_number ${String(info.serial_number)}\n`
  out += '  versions:\n'
  for (const [group, values] of Object.entries(
    info.versions as Record<string, Record<string, string>>,
  )) {
    out += `      ${group}:\n${Object.entries(values)
      .map(([k, v]) => `        ${k} ${v}\n`)
      .join('')}`
  }
  return out
}

async function devInfo(
  kernel: Kernel,
  ctx: CommandContext,
  o: DevlinkOpts,
  handle?: string,
): Promise<number> {
  let devs = devlinkDevs(kernel)
  if (handle) {
    const dev = await needDev(kernel, ctx, handle)
    if (!dev) return 1
    devs = [dev]
  }
  if (o.json) {
    const body: Record<string, unknown> = {}
    for (const d of devs) body[d.handle] = infoOf(d)
    await ctx.io.stdout.write(jsonOut({ info: body }, o.pretty))
  } else await ctx.io.stdout.write(devs.map((d) => infoText(d.handle, infoOf(d))).join(''))
  return 0
}

async function devReload(
  kernel: Kernel,
  ctx: CommandContext,
  o: DevlinkOpts,
  args: string[],
): Promise<number> {
  const dev = await needDev(kernel, ctx, args[0])
  if (!dev) return 1
  const action =
    args[args.indexOf('action') + 1] && args.includes('action')
      ? args[args.indexOf('action') + 1]
      : undefined
  const noReset = args.includes('limit') && args[args.indexOf('limit') + 1] === 'no_reset'
  try {
    let actions: string[]
    if (dev.kind === 'sim') {
      if (action === 'fw_activate')
        throw new KernelError(
          'EOPNOTSUPP',
          'leftover: Requested reload action is not supported by the driver',
        )
      dev.sim.reload()
      actions = ['driver_reinit']
    } else if (dev.kind === 'vf') {
      throw new KernelError('EOPNOTSUPP', 'mlx5_core: reload is unsupported for multi port slave')
    } else {
      const result = await dev.pf.devlinkLock.run(() =>
        reloadPf(
          kernel,
          dev.pf,
          action === 'fw_activate' ? 'fw_activate' : 'driver_reinit',
          noReset,
          ctx.signal,
        ),
      )
      if (result.warning) await ctx.io.stderr.write(`Warning: ${result.warning}.\n`)
      actions = result.actions
    }
    if (o.json) await ctx.io.stdout.write('\n')
    else if (action !== undefined)
      await ctx.io.stdout.write(`reload_actions_performed:\n    ${actions.join(' ')}\n`)
    return 0
  } catch (error) {
    return printKernelError(ctx, error)
  }
}

interface Param {
  readonly name: string
  readonly type: 'generic' | 'driver-specific'
  readonly values: { cmode: string; value: unknown }[]
}

/** Device parameters: netdevsim's driverinit params (fixture 09), mlx5's documented ones (mlx5.rst). */
function paramsOf(dev: DevlinkDev): Param[] {
  if (dev.kind === 'sim') {
    return [
      { name: 'max_macs', type: 'generic', values: [{ cmode: 'driverinit', value: 32 }] },
      { name: 'test1', type: 'driver-specific', values: [{ cmode: 'driverinit', value: true }] },
    ]
  }
  return [
    { name: 'enable_roce', type: 'generic', values: [{ cmode: 'driverinit', value: true }] },
    {
      name: 'flow_steering_mode',
      type: 'driver-specific',
      values: [{ cmode: 'runtime', value: 'dmfs' }],
    },
    {
      name: 'esw_port_metadata',
      type: 'driver-specific',
      values: [{ cmode: 'runtime', value: true }],
    },
  ]
}

async function paramShow(
  kernel: Kernel,
  ctx: CommandContext,
  o: DevlinkOpts,
  handle?: string,
): Promise<number> {
  let devs = devlinkDevs(kernel)
  if (handle) {
    const dev = await needDev(kernel, ctx, handle)
    if (!dev) return 1
    devs = [dev]
  }
  if (o.json) {
    const body: Record<string, unknown> = {}
    for (const d of devs) body[d.handle] = paramsOf(d)
    await ctx.io.stdout.write(jsonOut({ param: body }, o.pretty))
    return 0
  }
  let out = ''
  for (const d of devs) {
    out += `${d.handle}:\n`
    for (const p of paramsOf(d)) {
      out += `  name ${p.name} type ${p.type}\n    values:\n`
      for (const v of p.values) out += `      cmode ${v.cmode} value ${String(v.value)}\n`
    }
  }
  await ctx.io.stdout.write(out)
  return 0
}
