import type { DrillInfo } from '../../../contract/drills'

/** Drills the fake lab offers (titles and checks after docs/domain.md §4). */
export const fakeDrills: DrillInfo[] = [
  {
    kind: 'late-ib-reps',
    title: 'Late IB representors',
    description:
      'Load mlx5_ib after switching to switchdev and check every ETH rep gets its IB rep port.',
    checks: ['every switchdev rep has an IB rep port', 'uplink IB port active'],
    source: 'mlx5 series "late IB representor loading", patch 3/5',
    needsFaultInjection: false,
  },
  {
    kind: 'pf-rebind',
    title: 'PF unbind/bind',
    description: 'Unbind and rebind the PF through sysfs; VFs, reps and RDMA devices come back.',
    checks: ['devlink device returns', 'E-Switch mode preserved', 'no leaked netdevs'],
    source: 'NVIDIA Reset Flow: PCI unbind/bind',
    needsFaultInjection: false,
  },
  {
    kind: 'vf-reset-isolation',
    title: 'VF reset isolation',
    description: 'Reset one VF; the PF and the other VFs keep working.',
    checks: ['other VF links stay up', 'PF link stays up'],
    source: 'NVIDIA Reset Flow: VF reset',
    needsFaultInjection: false,
  },
]
