import type { Device, Finding, HostSnapshot } from '../../../contract'
import { DEVICE_PARTS } from '../operations/device'
import { findDevice, modeOf, repPorts, sriovOf } from '../snapshot-query'
import { driverText, type DrillDefinition } from './drill'

/** What must be gone after the unbind: the driver, rep and VF netdevs, their IB ports. */
function leftovers(
  s: HostSnapshot,
  device: string,
  netdevs: readonly string[],
  step: string,
  iteration: number,
): Finding[] {
  const out: Finding[] = []
  const bad = (message: string): void => {
    out.push({ severity: 'error', invariant: 'pf-unbind-clean', message, step, iteration })
  }
  const d = findDevice(s, device)
  if (d?.driver) bad(`${device} is still bound to ${d.driver}`)
  if (d?.devlink === true) bad(`the devlink instance of ${device} survived the unbind`)
  const names = new Set(s.netdevs?.map((n) => n.ifname) ?? [])
  for (const n of netdevs) {
    if (names.has(n)) bad(`netdev ${n} survived the unbind of ${device}`)
    const link = s.rdma.find((l) => l.netdev === n)
    if (link) bad(`IB port ${link.device}/${link.port} (${n}) survived the unbind of ${device}`)
  }
  return out
}

/** The netdevs that belong to the device: its uplink, representors and VF netdevs. */
function ownNetdevs(d: Device): string[] {
  return [
    ...repPorts(d).flatMap((p) => (p.netdev ? [p.netdev] : [])),
    ...(d.pci?.vfs.flatMap((v) => (v.netdev ? [v.netdev] : [])) ?? []),
  ]
}

/**
 * `pf-rebind`: record the state, unbind the device from its driver, check everything is gone,
 * bind it back to the same driver, then put back the E-Switch mode and VFs and check the
 * representors are back.
 *
 * Kernel behaviour: an unbind runs the driver's remove: an mlx5 PF loses every representor, the
 * VFs' vports and its devlink instance, and comes back from bind in legacy with no VFs (mode is
 * not persisted across probe); NVIDIA ovs-tests `test-eswitch-unbind-pf.sh`, docs/domain.md
 * §3.4, §1.2, §1.5. netdevsim's bus device does the same through its bus driver (dev.c, 6.1;
 * §6). Any other PCI PF: its driver decides whether its VFs survive (nvme leaves SR-IOV enabled:
 * "driver left SR-IOV enabled after remove", drivers/pci/iov.c); the drill checks only that the
 * driver is gone and comes back, and restores the VF count if it changed.
 */
export const pfRebind: DrillDefinition = {
  info: {
    kind: 'pf-rebind',
    title: 'PF unbind/bind with restore',
    description:
      'record mode and VFs, unbind the PF, check all is gone, bind, restore mode and VFs, check representors',
    checks: [
      'unbind removes devlink device, VFs, representors and IB ports',
      'switchdev ETH/IB representors back after restore',
      'no kernel splat',
    ],
    source: 'docs/domain.md §3.4, ovs-tests test-eswitch-unbind-pf.sh',
    needsFaultInjection: false,
  },
  minVfs: 0,
  applies: (t) =>
    t.device.driver
      ? null
      : `pf-rebind unbinds and binds a driver; ${t.device.handle} has ${driverText(t.device)}`,
  async iterate(ctx) {
    if (ctx.family !== 'other') await ctx.ensureMode('switchdev')
    if (sriovOf(findDevice(ctx.env.baseline, ctx.device))) await ctx.ensureVfs(ctx.params.vfs)
    const before = await ctx.snapshot()
    const d = findDevice(before, ctx.device)
    if (!d?.driver) throw new Error(`${ctx.device} lost its driver before the unbind`)
    const mode = d.eswitch ? (modeOf(d) === 'legacy' ? 'legacy' : 'switchdev') : null
    const numvfs = sriovOf(d)?.numvfs ?? null
    await ctx.op('unbind PF', { op: 'unbind', device: ctx.device }, { checks: 'none' })
    // The unbind's wait read only the device's parts; its netdevs and IB ports came from the
    // event cache, where a removal may not have arrived yet: read them fresh for this check.
    const gone = await ctx.snapshot([...DEVICE_PARTS, 'ip', 'rdma'])
    await ctx.checkStep(
      'everything gone',
      leftovers(gone, ctx.device, ownNetdevs(d), 'everything gone', ctx.iteration),
    )
    await ctx.op('bind PF', { op: 'bind', device: ctx.device, driver: d.driver })
    // netdevsim leaves switchdev when its VFs go through 0: VFs first, then the mode.
    if (numvfs !== null) await ctx.ensureVfs(numvfs)
    if (mode !== null) await ctx.ensureMode(mode)
  },
}
