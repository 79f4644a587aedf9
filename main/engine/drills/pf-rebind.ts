import type { Finding, HostSnapshot } from '../../../contract'
import { findDevice, findPciFunction, handleBdf, modeOf, repPorts } from '../snapshot-query'
import type { DrillDefinition } from './drill'

/** Everything of the PF that must be gone after unbind: devlink device, VFs, rep netdevs, IB reps. */
function leftovers(
  s: HostSnapshot,
  bdf: string,
  netdevs: readonly string[],
  step: string,
  iteration: number,
): Finding[] {
  const out: Finding[] = []
  const fn = findPciFunction(s, bdf)
  if (fn?.kind === 'pf' && fn.device.driver)
    out.push({
      severity: 'error',
      invariant: 'pf-unbind-clean',
      message: `${bdf} is still bound to ${fn.device.driver}`,
      step,
      iteration,
    })
  const names = new Set(s.netdevs?.map((n) => n.ifname) ?? [])
  for (const n of netdevs) {
    if (names.has(n))
      out.push({
        severity: 'error',
        invariant: 'pf-unbind-clean',
        message: `netdev ${n} survived the unbind of ${bdf}`,
        step,
        iteration,
      })
    const link = s.rdma.find((l) => l.netdev === n)
    if (link)
      out.push({
        severity: 'error',
        invariant: 'pf-unbind-clean',
        message: `IB port ${link.device}/${link.port} (${n}) survived the unbind of ${bdf}`,
        step,
        iteration,
      })
  }
  return out
}

/**
 * `pf-rebind`: record the state, unbind the PF, check everything is gone, bind, then restore the
 * E-Switch mode and VFs and check the representors are back.
 *
 * Kernel behaviour: PF unbind removes all representors and the VFs' E-Switch vports; after bind
 * the E-Switch comes back in legacy with no VFs (mode is not persisted across probe), and setting
 * mode and VF count again must bring every ETH and IB representor back. NVIDIA ovs-tests
 * `test-eswitch-unbind-pf.sh`; reference/domain.md §3.4 (unbind), §1.2, §1.5.
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
    source: 'reference/domain.md §3.4, ovs-tests test-eswitch-unbind-pf.sh',
    needsFaultInjection: false,
  },
  async iterate(ctx) {
    await ctx.ensureMode('switchdev')
    await ctx.ensureVfs(ctx.params.vfs)
    const before = await ctx.snapshot()
    const d = findDevice(before, ctx.device)
    const bdf = handleBdf(ctx.device, d)
    if (!d || !bdf) throw new Error(`${ctx.device} vanished before the unbind`)
    const mode = modeOf(d) === 'legacy' ? 'legacy' : 'switchdev'
    const numvfs = d.pci?.numvfs ?? 0
    const netdevs = [
      ...repPorts(d).flatMap((p) => (p.netdev ? [p.netdev] : [])),
      ...(d.pci?.vfs.flatMap((v) => (v.netdev ? [v.netdev] : [])) ?? []),
    ]
    const unbind = await ctx.op('unbind PF', { op: 'pci-unbind', bdf }, { checks: 'none' })
    const gone = unbind.after ?? (await ctx.snapshot())
    await ctx.checkStep(
      'everything gone',
      leftovers(gone, bdf, netdevs, 'everything gone', ctx.iteration),
    )
    await ctx.op('bind PF', { op: 'pci-bind', bdf, driver: 'mlx5_core' })
    await ctx.op(`restore mode ${mode}`, { op: 'eswitch-mode', device: ctx.device, mode })
    await ctx.op(`restore ${numvfs} VFs`, { op: 'vf-count', device: ctx.device, count: numvfs })
  },
}
