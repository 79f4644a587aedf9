import type { Kernel } from '../model/kernel'
import type { Command, CommandContext } from '../shell/types'
import { globalOptions, matches } from './common'
import { devCommand } from './devlink-dev'
import { healthCommand } from './devlink-health'
import { monitorCommand } from './devlink-monitor'
import { portCommand } from './devlink-port'

/** Parsed global options of one devlink invocation. */
export interface DevlinkOpts {
  readonly json: boolean
  readonly pretty: boolean
  readonly stats: boolean
}

/**
 * devlink(8) as iproute2 6.1 prints it: `dev`, `port`, `health`, `monitor` objects with the
 * subcommands a lab console uses; `-j` (JSON), `-p` (pretty), `-s` (stats).
 */
export function devlinkCommand(kernel: Kernel): Command {
  return async (ctx: CommandContext) => {
    const { opts, rest } = globalOptions(ctx.argv.slice(1), 'jpsnv')
    const o: DevlinkOpts = {
      json: opts.has('j') || opts.has('json'),
      pretty: opts.has('p') || opts.has('pretty'),
      stats: opts.has('s'),
    }
    const [object, ...args] = rest
    if (object === undefined || matches(object, 'help')) {
      await ctx.io.stderr.write(
        'Usage: devlink [ OPTIONS ] OBJECT { COMMAND | help }\nwhere  OBJECT := { dev | port | sb | monitor | dpipe | resource | region | health | trap | rate | lc }\n',
      )
      return object === undefined ? 1 : 0
    }
    if (matches(object, 'dev')) return devCommand(kernel, ctx, o, args)
    if (matches(object, 'port')) return portCommand(kernel, ctx, o, args)
    if (matches(object, 'health')) return healthCommand(kernel, ctx, o, args)
    if (matches(object, 'monitor')) return monitorCommand(kernel, ctx, o, args)
    await ctx.io.stderr.write(`Object "${object}" not found\n`)
    return 1
  }
}
