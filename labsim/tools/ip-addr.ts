import type { Kernel } from '../model/kernel'
import type { Netdev } from '../model/netdev'
import type { CommandContext } from '../shell/types'
import { linkJson, linkText, shownLinks } from './ip'
import { iprouteJson } from './json-writer'
import { matches } from './common'

/**
 * `ip address show|add|del` as iproute2 6.1 prints and takes it (ip/ipaddress.c). `ip -j -d addr
 * show` prints the link of `ip -j -d link show` without `linkmode` and `inet6_addr_gen_mode`
 * (the link dump of `ip addr` asks for no AF_INET6 details) plus `addr_info`: inet entries first
 * (with `label`), then inet6; a netdev that is up has its fe80:: link-local address, the
 * loopback 127.0.0.1/8 and ::1/128 (scope host). Checked against iproute2-6.1.0 on Debian 12
 * with veth and loopback interfaces in a network namespace.
 */

const FOREVER = 4294967295

/** One `addr_info` element. */
function addrEntry(n: Netdev, cidr: string, scope: string): Record<string, unknown> {
  const [local = '', prefix = '32'] = cidr.split('/')
  const inet = !local.includes(':')
  return {
    family: inet ? 'inet' : 'inet6',
    local,
    prefixlen: Number(prefix),
    scope,
    ...(inet ? { label: n.name } : {}),
    valid_life_time: FOREVER,
    preferred_life_time: FOREVER,
  }
}

/** The fe80::/64 address the kernel derives from the MAC (EUI-64). */
function linkLocal(mac: string): string {
  const b = mac.split(':').map((x) => parseInt(x, 16))
  const eui = [(b[0] ?? 0) ^ 2, b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]].map((x) => x ?? 0)
  const groups: string[] = []
  for (let i = 0; i < 8; i += 2) groups.push(((eui[i]! << 8) | eui[i + 1]!).toString(16))
  return `fe80::${groups.join(':')}/64`
}

/** `addr_info` of a netdev in the kernel's order: inet, then inet6. */
export function addrInfo(n: Netdev): Record<string, unknown>[] {
  const own = n.addresses ?? []
  const v4 = own.filter((a) => !a.includes(':')).map((a) => addrEntry(n, a, 'global'))
  const v6 = own.filter((a) => a.includes(':')).map((a) => addrEntry(n, a, 'global'))
  if (n.kind === 'loopback')
    return [addrEntry(n, '127.0.0.1/8', 'host'), ...v4, addrEntry(n, '::1/128', 'host'), ...v6]
  const ll = n.up ? [addrEntry(n, linkLocal(n.mac), 'link')] : []
  return [...v4, ...v6, ...ll]
}

/** One link as `ip -j [-d] addr show` prints it. */
function addrJson(kernel: Kernel, n: Netdev, details: boolean): Record<string, unknown> {
  const { linkmode: _mode, inet6_addr_gen_mode: _gen, ...link } = linkJson(kernel, n, details)
  return { ...link, addr_info: addrInfo(n) }
}

function addrText(kernel: Kernel, n: Netdev, details: boolean): string {
  let out = linkText(kernel, n, details)
  for (const a of addrInfo(n)) {
    const family = a.family === 'inet' ? 'inet' : 'inet6'
    const label = a.label ? ` ${String(a.label)}` : ''
    out += `    ${family} ${String(a.local)}/${String(a.prefixlen)} scope ${String(a.scope)}${label}\n`
    out += '       valid_lft forever preferred_lft forever\n'
  }
  return out
}

const CIDR = /^([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9a-fA-F:]+)\/[0-9]{1,3}$/

/** `ip addr add|del <cidr> dev <name>`: EEXIST for a duplicate, EADDRNOTAVAIL for a missing one. */
async function change(
  kernel: Kernel,
  ctx: CommandContext,
  add: boolean,
  args: string[],
): Promise<number> {
  const cidr = args.find((a) => CIDR.test(a))
  const devIdx = args.indexOf('dev')
  const name = devIdx >= 0 ? args[devIdx + 1] : undefined
  const netdev = name ? kernel.netdevs.get(name) : undefined
  if (!cidr) {
    await ctx.io.stderr.write(
      `Error: any valid prefix is expected rather than "${args[0] ?? ''}".\n`,
    )
    return 1
  }
  if (!netdev) {
    await ctx.io.stderr.write(`Cannot find device "${name ?? ''}"\n`)
    return 1
  }
  const now = netdev.addresses ?? []
  if (add && now.includes(cidr)) {
    await ctx.io.stderr.write('RTNETLINK answers: File exists\n')
    return 2
  }
  if (!add && !now.includes(cidr)) {
    await ctx.io.stderr.write('RTNETLINK answers: Cannot assign requested address\n')
    return 2
  }
  netdev.addresses = add ? [...now, cidr] : now.filter((a) => a !== cidr)
  kernel.netdevs.changed(netdev.name)
  return 0
}

/** `ip [-j] [-d] address [show [dev X]] | add | del`. */
export async function ipAddr(
  kernel: Kernel,
  ctx: CommandContext,
  opts: Set<string>,
  verb: string | undefined,
  args: string[],
): Promise<number> {
  if (matches(verb, 'add') || matches(verb, 'delete'))
    return change(kernel, ctx, matches(verb, 'add'), args)
  const links = await shownLinks(kernel, ctx, verb === undefined ? args : [verb, ...args])
  if (!links) return 1
  const details = opts.has('d') || opts.has('details')
  if (opts.has('j') || opts.has('json'))
    await ctx.io.stdout.write(`${iprouteJson(links.map((n) => addrJson(kernel, n, details)))}\n`)
  else await ctx.io.stdout.write(links.map((n) => addrText(kernel, n, details)).join(''))
  return 0
}
