import type { Kernel } from '../model/kernel'
import type { RdmaDevice } from '../model/rdma'
import type { Command, CommandContext } from '../shell/types'
import { globalOptions, matches } from './common'
import { iprouteJson } from './json-writer'

function portJson(kernel: Kernel, d: RdmaDevice, i: number): Record<string, unknown> {
  const netdev = d.ports[i]?.netdev
  const nd = netdev ? kernel.netdevs.get(netdev) : undefined
  const active = nd?.up === true
  return {
    ifindex: d.index,
    ifname: d.name,
    port: i + 1,
    state: active ? 'ACTIVE' : 'DOWN',
    physical_state: active ? 'LINK_UP' : 'DISABLED',
    ...(netdev ? { netdev, netdev_index: nd?.ifindex ?? 0 } : {}),
  }
}

function portText(p: Record<string, unknown>, details: boolean): string {
  let out = `link ${String(p.ifname)}/${String(p.port)} state ${String(p.state)} physical_state ${String(p.physical_state)} `
  if (p.netdev)
    out += `netdev ${String(p.netdev)} ${details ? `netdev_index ${String(p.netdev_index)} ` : ''}`
  return `${out}\n`
}

function devJson(d: RdmaDevice): Record<string, unknown> {
  return {
    ifindex: d.index,
    ifname: d.name,
    node_type: 'ca',
    fw: d.fw,
    node_guid: d.nodeGuid,
    sys_image_guid: d.sysImageGuid,
  }
}

async function linkShow(
  kernel: Kernel,
  ctx: CommandContext,
  json: boolean,
  details: boolean,
  filter?: string,
): Promise<number> {
  const [devName, portNum] = (filter ?? '').split('/')
  const devices = kernel.rdma.list().filter((d) => !filter || d.name === devName)
  if (filter && devices.length === 0) {
    await ctx.io.stderr.write(`Wrong device name\n`)
    return 1
  }
  const ports = devices
    .flatMap((d) => d.ports.map((_p, i) => portJson(kernel, d, i)))
    .filter((p) => !portNum || String(p.port) === portNum)
  await ctx.io.stdout.write(
    json ? `${iprouteJson(ports)}\n` : ports.map((p) => portText(p, details)).join(''),
  )
  return 0
}

async function devShow(
  kernel: Kernel,
  ctx: CommandContext,
  json: boolean,
  filter?: string,
): Promise<number> {
  const devices = kernel.rdma.list().filter((d) => !filter || d.name === filter)
  if (filter && devices.length === 0) {
    await ctx.io.stderr.write('Wrong device name\n')
    return 1
  }
  if (json) await ctx.io.stdout.write(`${iprouteJson(devices.map(devJson))}\n`)
  else {
    const text = devices.map(
      (d) =>
        `${d.index}: ${d.name}: node_type ca fw ${d.fw} node_guid ${d.nodeGuid} sys_image_guid ${d.sysImageGuid} \n`,
    )
    await ctx.io.stdout.write(text.join(''))
  }
  return 0
}

/**
 * rdma(8) `link show` / `dev show` (rdma/link.c, rdma/dev.c): JSON is a top-level array,
 * `ifindex` is the RDMA device index and `netdev_index` is always present with a netdev
 * (docs/domain.md §2.7, fixture 82). An IB representor device lists one port per vport.
 */
export function rdmaCommand(kernel: Kernel): Command {
  return async (ctx) => {
    const { opts, rest } = globalOptions(ctx.argv.slice(1), 'jdp')
    const json = opts.has('j') || opts.has('json')
    const [object, verb, arg] = rest
    const show = verb === undefined || matches(verb, 'show') || matches(verb, 'list')
    const target = show ? arg : verb
    if (matches(object, 'link')) return linkShow(kernel, ctx, json, opts.has('d'), target)
    if (object === undefined || matches(object, 'dev')) return devShow(kernel, ctx, json, target)
    await ctx.io.stderr.write(`Unknown object "${object}"\n`)
    return 1
  }
}

/** ibdev2netdev (rdma-core/MLNX_OFED helper): `mlx5_0 port 1 ==> enp8s0f0np0 (Up)`. */
export function ibdev2netdevCommand(kernel: Kernel): Command {
  return async (ctx) => {
    let out = ''
    for (const d of kernel.rdma.list()) {
      d.ports.forEach((p, i) => {
        if (!p.netdev) return
        out += `${d.name} port ${i + 1} ==> ${p.netdev} (${kernel.netdevs.get(p.netdev)?.up ? 'Up' : 'Down'})\n`
      })
    }
    await ctx.io.stdout.write(out)
    return 0
  }
}
