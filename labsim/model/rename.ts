import { fail } from './errno'
import type { Kernel } from './kernel'

/**
 * `ip link set dev <old> name <new>` (RTM_NEWLINK with IFLA_IFNAME → net/core/dev.c
 * `dev_change_name`, Linux 6.12): the name must pass `dev_valid_name` (1–15 bytes, not `.` or
 * `..`, no `/`, `:` or whitespace; any other byte, control characters included, is accepted),
 * must not be taken (EEXIST), and since 6.2 an interface that is up may be renamed too. The
 * kernel logs `<new>: renamed from <old>`. Everything that names the netdev (PF uplink, VF and
 * representor netdevs, SFs, IB representor ports) follows. netdevsim's netdevs are not renamed
 * (EOPNOTSUPP): its model derives their names.
 */

/** `dev_valid_name` (net/core/dev.c): what the kernel accepts as an interface name. */
export function validIfName(name: string): boolean {
  if (name.length === 0 || Buffer.byteLength(name) >= 16) return false
  if (name === '.' || name === '..') return false
  return !/[/:\s]/.test(name)
}

/** Renames netdev `from` to `to`; raises ENODEV, EINVAL, EEXIST or EOPNOTSUPP. */
export function renameNetdev(kernel: Kernel, from: string, to: string): void {
  const dev = kernel.netdevs.get(from)
  if (!dev) fail('ENODEV')
  if (!validIfName(to)) fail('EINVAL')
  if (to === from) return
  if (kernel.netdevs.get(to)) fail('EEXIST')
  if (dev.kind === 'sim') fail('EOPNOTSUPP')
  const follow = (name: string | undefined): string | undefined => (name === from ? to : name)
  for (const pf of kernel.pfs) {
    pf.netdev = follow(pf.netdev)
    for (const rep of pf.reps.values()) {
      rep.netdev = follow(rep.netdev)
      rep.staleIbNetdev = follow(rep.staleIbNetdev)
    }
    for (const vf of pf.vfs) vf.netdev = follow(vf.netdev)
    for (const sf of pf.sfs) sf.netdev = follow(sf.netdev) ?? sf.netdev
  }
  for (const device of kernel.rdma.list())
    for (const port of device.ports) port.netdev = follow(port.netdev)
  kernel.netdevs.rename(from, to)
  kernel.printk(`${to}: renamed from ${from}`)
}
