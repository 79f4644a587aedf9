import type { Kernel } from './kernel'
import type { Pf } from './mlx5-types'
import { UPLINK_VPORT } from './mlx5-types'

/** One devlink port as the tools list it. */
export interface PortView {
  readonly devHandle: string
  readonly index: number
  readonly attrs: Record<string, unknown>
}

/**
 * Attributes of an mlx5 devlink port in iproute2's key order (devlink.c `pr_out_port`):
 * uplink `flavour physical port <pfnum>`; VF `flavour pcivf controller 0 pfnum P vfnum V
 * external false` plus a `function` block with `hw_addr` (docs/domain.md §2.2).
 */
export function portAttrs(kernel: Kernel, pf: Pf, vport: number): Record<string, unknown> {
  const rep = pf.reps.get(vport)
  const netdev = vport === UPLINK_VPORT ? pf.netdev : rep?.netdev
  const head = netdev && kernel.netdevs.get(netdev) ? { type: 'eth', netdev } : { type: 'notset' }
  if (vport === UPLINK_VPORT)
    return { ...head, flavour: 'physical', port: pf.pfnum, splittable: false }
  if (vport === 0) {
    return {
      ...head,
      flavour: 'pcipf',
      controller: 0,
      pfnum: pf.pfnum,
      external: false,
      splittable: false,
    }
  }
  return {
    ...head,
    flavour: 'pcivf',
    controller: 0,
    pfnum: pf.pfnum,
    vfnum: vport - 1,
    external: false,
    splittable: false,
    function: { hw_addr: rep?.hwAddr ?? '00:00:00:00:00:00' },
  }
}

/** Whether a PF currently has a devlink instance (bound, driver not unloaded by a fatal error). */
export function hasDevlink(pf: Pf): boolean {
  return pf.bound
}

/** All devlink ports of the host, by instance then index (the kernel's dump order). */
export function devlinkPorts(kernel: Kernel): PortView[] {
  const out: PortView[] = []
  for (const pf of kernel.pfs) {
    if (!hasDevlink(pf) || pf.state === 'unloaded') continue
    const vports = [...pf.reps.values()]
      .filter((r) => r.port && r.vport !== UPLINK_VPORT)
      .map((r) => r.vport)
    const push = (vport: number): void => {
      out.push({
        devHandle: pf.handle,
        index: pf.portIndex(vport),
        attrs: portAttrs(kernel, pf, vport),
      })
    }
    vports.sort((a, b) => a - b).forEach(push)
    for (const sf of pf.sfs)
      out.push({ devHandle: pf.handle, index: sf.index, attrs: sfAttrs(pf, sf) })
    push(UPLINK_VPORT)
  }
  const sim = kernel.netdevsim
  if (sim?.bound) out.push(...sim.ports())
  return out
}

/** devlink attributes of an SF port (mlx5 switchdev.rst `devlink port add … flavour pcisf`). */
export function sfAttrs(pf: Pf, sf: { sfnum: number; netdev: string }): Record<string, unknown> {
  return {
    type: 'eth',
    netdev: sf.netdev,
    flavour: 'pcisf',
    controller: 0,
    pfnum: pf.pfnum,
    sfnum: sf.sfnum,
    external: false,
    splittable: false,
    function: { hw_addr: '00:00:00:00:00:00', state: 'inactive', opstate: 'detached' },
  }
}
