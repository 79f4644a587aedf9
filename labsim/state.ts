import type { Kernel } from './model/kernel'

/**
 * Plain-JSON snapshot of a simulated kernel for tests and the programmatic API:
 * `{ name, bootId, kernel, profile, modules, pfs: [{ bdf, bound, state, mode, numVfs, totalVfs,
 * netdev, ibdev, reps: [{ vport, eth, ib, netdev, port }], vfs: [...], reporters }], netdevs,
 * rdma, locks, netdevsim }`.
 */
export function hostState(kernel: Kernel) {
  return {
    name: kernel.hostname,
    bootId: kernel.bootId,
    kernel: kernel.release,
    profile: kernel.profile,
    modules: [...kernel.modules].sort(),
    pfs: kernel.pfs.map((pf) => ({
      bdf: pf.bdf,
      model: pf.card.info.model,
      bound: pf.bound,
      state: pf.state,
      mode: pf.mode,
      numVfs: pf.numVfs,
      totalVfs: pf.totalVfs,
      netdev: pf.netdev ?? null,
      ibdev: pf.ibdev ?? null,
      reps: [...pf.reps.values()]
        .sort((a, b) => a.vport - b.vport)
        .map((r) => ({
          vport: r.vport,
          eth: r.eth,
          ib: r.ib,
          netdev: r.netdev ?? null,
          port: r.port ?? false,
        })),
      vfs: pf.vfs.map((v) => ({
        bdf: v.bdf,
        index: v.index,
        bound: v.bound,
        netdev: v.netdev ?? null,
        ibdev: v.ibdev ?? null,
      })),
      reporters: pf.reporters.map((r) => ({
        name: r.name,
        state: r.state,
        error: r.error,
        recover: r.recover,
      })),
    })),
    netdevs: kernel.netdevs
      .list()
      .map((n) => ({ ifindex: n.ifindex, name: n.name, kind: n.kind, up: n.up })),
    rdma: kernel.rdma.list().map((d) => ({
      name: d.name,
      bdf: d.bdf,
      isRep: d.isRep,
      ports: d.ports.map((p) => p.netdev ?? null),
    })),
    locks: kernel.locks.held(),
    netdevsim: kernel.netdevsim
      ? {
          bound: kernel.netdevsim.bound,
          mode: kernel.netdevsim.mode,
          numVfs: kernel.netdevsim.numVfs,
        }
      : null,
  }
}
