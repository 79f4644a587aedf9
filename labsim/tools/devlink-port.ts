import type { Kernel } from '../model/kernel'
import { devlinkPorts } from '../model/views'
import type { CommandContext } from '../shell/types'
import { KernelError } from '../model/errno'
import { matches, printKernelError } from './common'
import type { DevlinkOpts } from './devlink'
import { jsonOut, portText } from './devlink-format'

/** Waits until no PF's devlink instance lock is held (the kernel's port dump takes it). */
export async function settle(kernel: Kernel, signal: AbortSignal): Promise<void> {
  for (const pf of kernel.pfs)
    if (pf.devlinkLock.locked) await pf.devlinkLock.run(async () => undefined, signal)
}

/**
 * `devlink port show [DEV | DEV/PORT_INDEX | NETDEV]`: JSON `{"port":{"<dev>/<index>":{…}}}`,
 * text one line per port plus the `function:` block (devlink.c `pr_out_port`).
 */
export async function portCommand(
  kernel: Kernel,
  ctx: CommandContext,
  o: DevlinkOpts,
  args: string[],
): Promise<number> {
  const [sub, filter] = args
  if (matches(sub, 'function') && matches(args[1], 'set'))
    return functionSet(kernel, ctx, args.slice(2))
  if (sub !== undefined && !matches(sub, 'show') && !matches(sub, 'list')) {
    await ctx.io.stderr.write(`Command "${sub}" not found\n`)
    return 1
  }
  await settle(kernel, ctx.signal)
  let ports = devlinkPorts(kernel).map((p) => ({
    handle: `${p.devHandle}/${p.index}`,
    dev: p.devHandle,
    attrs: p.attrs,
  }))
  if (filter !== undefined) {
    ports = ports.filter(
      (p) => p.handle === filter || p.dev === filter || p.attrs.netdev === filter,
    )
    if (ports.length === 0) {
      await ctx.io.stderr.write(
        filter.includes('/')
          ? 'kernel answers: No such device\n'
          : `Interface "${filter}" not found\n`,
      )
      return 1
    }
  }
  if (o.json) {
    const body: Record<string, unknown> = {}
    for (const p of ports) body[p.handle] = p.attrs
    await ctx.io.stdout.write(jsonOut({ port: body }, o.pretty))
  } else await ctx.io.stdout.write(ports.map((p) => portText(p.handle, p.attrs)).join(''))
  return 0
}

/**
 * `devlink port function set DEV/PORT hw_addr MAC`: mlx5 VF ports in switchdev store the MAC
 * (switchdev.rst); netdevsim ports refuse like the capture (fixture 28).
 */
async function functionSet(kernel: Kernel, ctx: CommandContext, args: string[]): Promise<number> {
  const [handle = '', key, value] = args
  const port = devlinkPorts(kernel).find((p) => `${p.devHandle}/${p.index}` === handle)
  if (!port) {
    await ctx.io.stderr.write('kernel answers: No such device\n')
    return 1
  }
  const pf = kernel.pfs.find((p) => p.handle === port.devHandle)
  const vport = pf ? port.index & 0xffff : undefined
  if (
    !pf ||
    vport === undefined ||
    port.attrs.flavour !== 'pcivf' ||
    key !== 'hw_addr' ||
    !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(value ?? '')
  ) {
    return printKernelError(
      ctx,
      new KernelError('EOPNOTSUPP', "leftover: Port doesn't support function attributes"),
    )
  }
  const rep = pf.reps.get(vport)
  if (rep) rep.hwAddr = (value ?? '').toLowerCase()
  return 0
}
