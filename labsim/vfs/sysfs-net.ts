import { KernelError } from '../model/errno'
import type { Kernel } from '../model/kernel'
import type { Netdev } from '../model/netdev'
import type { VDir, VNode } from './nodes'
import { attr, dir, link } from './nodes'

/** Where a netdev's sysfs directory lives (under its parent device, or virtual). */
export function netdevPath(netdev: Netdev): string {
  if (netdev.parent?.bus === 'pci')
    return `/sys/devices/pci0000:00/0000:00:01.0/${netdev.parent.dev}/net/${netdev.name}`
  if (netdev.parent?.bus === 'netdevsim')
    return `/sys/devices/${netdev.parent.dev}/net/${netdev.name}`
  return `/sys/devices/virtual/net/${netdev.name}`
}

/**
 * A netdev's sysfs directory (net/core/net-sysfs.c): `phys_port_name`/`phys_switch_id` fail
 * with EOPNOTSUPP when the device has none (VF netdevs, plain NICs, lo; fixture 23).
 */
export function netdevDir(netdev: Netdev): VDir {
  const cached = netdevDirs.get(netdev)
  if (cached) return cached
  const node = buildNetdevDir(netdev)
  netdevDirs.set(netdev, node)
  return node
}

const netdevDirs = new WeakMap<Netdev, VDir>()

function buildNetdevDir(netdev: Netdev): VDir {
  const entries = new Map<string, VNode>(netdevEntries(netdev))
  return { kind: 'dir', entries: () => entries }
}

function netdevEntries(netdev: Netdev): [string, VNode][] {
  const entries: [string, VNode][] = [
    ['ifindex', attr(() => netdev.ifindex)],
    ['iflink', attr(() => netdev.ifindex)],
    ['address', attr(() => netdev.mac)],
    ['mtu', attr(() => netdev.mtu)],
    ['operstate', attr(() => (netdev.up ? 'up' : 'down'))],
    ['carrier', attr(() => (netdev.up ? 1 : 0))],
    ['dev_port', attr(() => 0)],
    ['type', attr(() => (netdev.kind === 'loopback' ? 772 : 1))],
    ['uevent', attr(() => `INTERFACE=${netdev.name}\nIFINDEX=${netdev.ifindex}`)],
    ['phys_port_name', attr(() => netdev.physPortName ?? notSupported())],
    ['phys_switch_id', attr(() => netdev.physSwitchId ?? notSupported())],
  ]
  if (netdev.parent) entries.push(['device', link(`../../../${netdev.parent.dev}`)])
  return entries
}

function notSupported(): never {
  throw new KernelError('EOPNOTSUPP')
}

/** `/sys/class/net`: one symlink per netdev. */
export function classNet(kernel: Kernel): VDir {
  return dir(() =>
    kernel.netdevs
      .list()
      .map((n) => [n.name, link(`../..${netdevPath(n).slice(4)}`)] as [string, VNode]),
  )
}

/** `/sys/devices/virtual/net`. */
export function virtualNet(kernel: Kernel): VDir {
  return dir(() =>
    kernel.netdevs
      .list()
      .filter((n) => !n.parent)
      .map((n) => [n.name, netdevDir(n)] as [string, VNode]),
  )
}

/** `<device>/net`: netdevs whose parent is `bus/dev`. */
export function deviceNet(kernel: Kernel, bus: 'pci' | 'netdevsim', dev: string): VDir {
  return dir(() =>
    kernel.netdevs.children(bus, dev).map((n) => [n.name, netdevDir(n)] as [string, VNode]),
  )
}

/** `/sys/class/infiniband`: one link per RDMA device into its PCI function. */
export function classInfiniband(kernel: Kernel): VDir {
  return dir(() =>
    kernel.rdma
      .list()
      .map(
        (d) =>
          [d.name, link(`../../devices/pci0000:00/0000:00:01.0/${d.bdf}/infiniband/${d.name}`)] as [
            string,
            VNode,
          ],
      ),
  )
}

/** `<pci dev>/infiniband`: RDMA devices owned by a function. */
export function deviceInfiniband(kernel: Kernel, bdf: string): VDir {
  return dir(() =>
    kernel.rdma
      .list()
      .filter((d) => d.bdf === bdf)
      .map((d) => {
        const node: VDir = dir(() => [
          ['node_type', attr(() => '1: CA')],
          ['fw_ver', attr(() => d.fw)],
          ['node_guid', attr(() => d.nodeGuid)],
          ['sys_image_guid', attr(() => d.sysImageGuid)],
          ['device', link('../../../' + bdf)],
          [
            'ports',
            dir(() =>
              d.ports.map(
                (_p, i) =>
                  [
                    String(i + 1),
                    dir(() => [
                      ['state', attr(() => (d.ports[i]?.netdev ? '4: ACTIVE' : '1: DOWN'))],
                    ]),
                  ] as [string, VNode],
              ),
            ),
          ],
        ])
        return [d.name, node] as [string, VNode]
      }),
  )
}
