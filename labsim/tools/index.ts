import type { Kernel } from '../model/kernel'
import type { Command } from '../shell/types'
import { ddCommand } from './dd'
import { devlinkCommand } from './devlink'
import { basename, cat, dirname, ls, mkdir, readlink, rm, touch } from './file-utils'
import { ipCommand } from './ip'
import { ethtoolCommand, lspciCommand, mlxconfigCommand } from './mlx-tools'
import { ibdev2netdevCommand, rdmaCommand } from './rdma'
import {
  dmesgCommand,
  lsmodCommand,
  miscCommands,
  modprobeCommand,
  rmmodCommand,
  unameCommand,
  yesCommand,
} from './system'
import { cut, grep, head, seq, sort, tail, tee, tr, uniq, wc } from './text-utils'

/** Every external command of a simulated host, bound to its kernel. */
export function makeCommands(kernel: Kernel): Map<string, Command> {
  return new Map<string, Command>([
    ['cat', cat],
    ['ls', ls],
    ['readlink', readlink],
    ['basename', basename],
    ['dirname', dirname],
    ['mkdir', mkdir],
    ['rm', rm],
    ['touch', touch],
    ['grep', grep],
    ['egrep', async (ctx) => grep({ ...ctx, argv: ['grep', '-E', ...ctx.argv.slice(1)] })],
    ['head', head],
    ['tail', tail],
    ['wc', wc],
    ['sort', sort],
    ['uniq', uniq],
    ['tr', tr],
    ['cut', cut],
    ['tee', tee],
    ['seq', seq],
    ['devlink', devlinkCommand(kernel)],
    ['ip', ipCommand(kernel)],
    ['rdma', rdmaCommand(kernel)],
    ['ibdev2netdev', ibdev2netdevCommand(kernel)],
    ['lspci', lspciCommand(kernel)],
    ['ethtool', ethtoolCommand(kernel)],
    ['mlxconfig', mlxconfigCommand(kernel)],
    ['modprobe', modprobeCommand(kernel)],
    ['rmmod', rmmodCommand(kernel)],
    ['lsmod', lsmodCommand(kernel)],
    ['dmesg', dmesgCommand(kernel)],
    ['dd', ddCommand(kernel)],
    ['uname', unameCommand(kernel)],
    ['yes', yesCommand],
    ...miscCommands(kernel),
  ])
}
