import type { Kernel } from '../model/kernel'
import { devlinkPorts } from '../model/views'
import type { CommandContext } from '../shell/types'
import { KernelError } from '../model/errno'
import { addSf, delSf } from '../model/eswitch'
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
  if (sub === 'add' || sub === 'del') return addDel(kernel, ctx, o, sub, args.slice(1))
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

/** `devlink port add DEV flavour pcisf pfnum P sfnum S` / `devlink port del DEV/INDEX` (mlx5 SFs). */
async function addDel(
  kernel: Kernel,
  ctx: CommandContext,
  o: DevlinkOpts,
  verb: 'add' | 'del',
  args: string[],
): Promise<number> {
  const handle = args[0] ?? ''
  const pf = kernel.pfs.find(
    (p) => p.bound && (handle === p.handle || handle.startsWith(`${p.handle}/`)),
  )
  try {
    if (!pf) throw new KernelError('ENODEV')
    if (verb === 'del') {
      delSf(kernel, pf, Number(handle.slice(pf.handle.length + 1)))
      return 0
    }
    const opt = (k: string): string | undefined => args[args.indexOf(k) + 1]
    if (opt('flavour') !== 'pcisf' || !/^\d+$/.test(opt('sfnum') ?? ''))
      throw new KernelError('EOPNOTSUPP')
    const { index, attrs } = addSf(kernel, pf, Number(opt('sfnum')))
    const name = `${pf.handle}/${index}`
    await ctx.io.stdout.write(
      o.json ? jsonOut({ port: { [name]: attrs } }, o.pretty) : portText(name, attrs),
    )
    return 0
  } catch (error) {
    return printKernelError(ctx, error)
  }
}
