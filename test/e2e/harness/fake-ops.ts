import type { DrillInfo } from '../../../contract/drills'
import type { BlastItem, OperationPlan, OperationRequest } from '../../../contract/operations'
import type { HostSnapshot } from '../../../contract/snapshot'

/** Drills the fake lab offers (titles and checks after reference/domain.md §4). */
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

function pfNetdevs(snap: HostSnapshot, handle: string): BlastItem[] {
  const d = snap.devices.find((x) => x.handle === handle)
  return (d?.ports ?? [])
    .filter((p) => p.flavour !== 'physical' && p.netdev)
    .map((p) => ({ kind: 'representor' as const, name: p.netdev!, detail: p.physPortName }))
}

/** A dry-run plan with the commands labsim runs and a plausible blast radius. */

export function planOf(hostId: string, req: OperationRequest, snap: HostSnapshot): OperationPlan {
  let commands: string[]
  let blast: BlastItem[] = []
  let target = hostId
  switch (req.op) {
    case 'eswitch-mode':
      target = req.device
      commands = [
        `devlink dev eswitch set ${req.device} mode ${req.mode}${req.inlineMode ? ` inline-mode ${req.inlineMode}` : ''}${req.encapMode ? ` encap-mode ${req.encapMode}` : ''}`,
      ]
      blast = [
        ...pfNetdevs(snap, req.device),
        { kind: 'rdma', name: 'mlx5_0', detail: 'IB representors reload' },
      ]
      break
    case 'vf-count':
      target = req.device
      commands = [
        `echo 0 > /sys/bus/pci/devices/${req.device.slice(4)}/sriov_numvfs`,
        `echo ${req.count} > /sys/bus/pci/devices/${req.device.slice(4)}/sriov_numvfs`,
      ]
      blast = pfNetdevs(snap, req.device).filter((b) => b.detail?.includes('vf'))
      break
    case 'pci-reset':
      target = req.bdf
      commands = [`echo 1 > /sys/bus/pci/devices/${req.bdf}/reset`]
      blast = [{ kind: 'vf', name: req.bdf, detail: 'only this VF resets' }]
      break
    case 'pci-unbind':
    case 'pci-bind':
      target = req.bdf
      commands = [
        `echo ${req.bdf} > /sys/bus/pci/drivers/mlx5_core/${req.op === 'pci-unbind' ? 'unbind' : 'bind'}`,
      ]
      blast =
        req.bdf.endsWith('.0') || req.bdf.endsWith('.1')
          ? [
              ...pfNetdevs(snap, `pci/${req.bdf}`),
              { kind: 'link', name: 'enp8s0f1np1', detail: 'other PF link may flap' },
            ]
          : [{ kind: 'vm', name: 'vm-guest-3', detail: `holds ${req.bdf}` }]
      break
    case 'module':
      commands = [`modprobe ${req.action === 'unload' ? '-r ' : ''}${req.module}`]
      blast = [
        { kind: 'rdma', name: 'mlx5_0' },
        { kind: 'rdma', name: 'mlx5_1' },
      ]
      break
    case 'devlink-reload':
      target = req.device
      commands = [`devlink dev reload ${req.device} action ${req.action}`]
      blast = pfNetdevs(snap, req.device)
      break
    case 'health':
      target = req.device
      commands = [`devlink health ${req.action} ${req.device} reporter ${req.reporter}`]
      break
    case 'fw-tracer':
      commands = [
        `echo ${req.enable ? 1 : 0} > /sys/kernel/debug/tracing/events/mlx5/mlx5_fw/enable`,
      ]
      break
    case 'crdump':
      target = req.device
      commands = [`devlink health dump show ${req.device} reporter fw_fatal`]
      break
    default:
      commands = [`# ${req.op}`]
  }
  const destructive =
    !['health', 'fw-tracer', 'crdump'].includes(req.op) ||
    (req.op === 'health' && req.action === 'recover')
  return {
    hostId,
    target,
    request: req,
    commands,
    destructive,
    blastRadius: blast,
    precondition: { ok: true, reasons: [] },
    expect: 'state observed within 5 s',
    confirm: `Run on ${hostId} (root@127.0.0.1), device ${target}?`,
  }
}
