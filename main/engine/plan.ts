import { LabError, assertNever } from '../../contract'
import type {
  BlastItem,
  Device,
  HostSnapshot,
  OperationPlan,
  OperationRequest,
} from '../../contract'
import { commandsFor, type FaultOptions } from './op-commands'
import { expectationText, isDestructive, preconditionReasons } from './op-conditions'
import { findDevice, findPciFunction, functionPorts, repPorts } from './snapshot-query'

/**
 * `plan()`: the pure dry run of an operation (style.md §3.3 rule 5). Same inputs, same plan; no
 * I/O. `runOperation` executes exactly `plan.commands`.
 */

/** Where the plan is for: host id and `user@host:port` (named in the confirmation sentence). */
export interface PlanTarget {
  readonly hostId: string
  readonly target: string
  readonly faultOptions?: FaultOptions
}

/**
 * Plans one operation against a snapshot: commands, destructive flag, blast radius, the
 * precondition verdict, the expectation and the confirmation sentence. Never throws: a request
 * that cannot be turned into commands yields `precondition.ok = false` with the reason.
 */
export function plan(
  request: OperationRequest,
  snapshot: HostSnapshot,
  where: PlanTarget,
): OperationPlan {
  const reasons = preconditionReasons(request, snapshot)
  let commands: string[] = []
  try {
    commands = commandsFor(request, snapshot, where.faultOptions)
  } catch (err) {
    if (!(err instanceof LabError)) throw err
    reasons.push(err.message)
  }
  const blastRadius = blastRadiusOf(request, snapshot)
  const subject = subjectOf(request)
  const verb = isDestructive(request) ? 'disturbs' : 'touches'
  return {
    hostId: where.hostId,
    target: where.target,
    request,
    commands,
    destructive: isDestructive(request),
    blastRadius,
    precondition: { ok: reasons.length === 0, reasons },
    expect: expectationText(request),
    confirm:
      `Run ${request.op} on ${subject} of host ${snapshot.host.name} (${where.target})? ` +
      `It ${verb} ${blastRadius.length} other item${blastRadius.length === 1 ? '' : 's'}.`,
  }
}

/** The device or function an operation names, for sentences. */
export function subjectOf(request: OperationRequest): string {
  if ('device' in request && request.device) return request.device
  if ('bdf' in request) return request.bdf
  if (request.op === 'module') return request.module
  return 'the host'
}

/** Everything a device-wide disruption takes down (domain.md §1.2, §1.6, §3.4). */
function deviceBlast(device: Device, snapshot: HostSnapshot, otherLinks: boolean): BlastItem[] {
  const items: BlastItem[] = [{ kind: 'devlink', name: device.handle }]
  const netdevs = new Set<string>()
  for (const p of repPorts(device)) {
    if (!p.netdev) continue
    netdevs.add(p.netdev)
    const kind = p.flavour === 'physical' ? 'netdev' : 'representor'
    items.push({ kind, name: p.netdev, detail: `${device.handle}/${p.index}` })
  }
  for (const vf of device.pci?.vfs ?? []) {
    items.push({ kind: 'vf', name: vf.bdf, detail: vf.netdev ?? `vf ${vf.vf}` })
    if (vf.netdev) netdevs.add(vf.netdev)
  }
  items.push(...rdmaOn(snapshot, netdevs, device.pci?.bdf))
  if (otherLinks) items.push(...otherPfLinks(device, snapshot))
  return items
}

function rdmaOn(snapshot: HostSnapshot, netdevs: Set<string>, bdf?: string): BlastItem[] {
  const names = new Set<string>()
  for (const l of snapshot.rdma) if (l.netdev && netdevs.has(l.netdev)) names.add(l.device)
  for (const d of snapshot.rdmaDevices ?? []) if (bdf && d.parent === bdf) names.add(d.name)
  return [...names].sort().map((name) => ({ kind: 'rdma' as const, name }))
}

/** The other PF of the same card loses its link for a while on mode flips (domain.md §3.4). */
function otherPfLinks(device: Device, snapshot: HostSnapshot): BlastItem[] {
  if (!device.card) return []
  return snapshot.devices
    .filter((d) => d.card === device.card && d.handle !== device.handle)
    .map((d) => ({
      kind: 'link' as const,
      name: d.uplink ?? d.handle,
      detail: 'other PF of the card',
    }))
}

function blastRadiusOf(request: OperationRequest, snapshot: HostSnapshot): BlastItem[] {
  const device =
    'device' in request && request.device ? findDevice(snapshot, request.device) : undefined
  switch (request.op) {
    case 'eswitch-mode':
    case 'devlink-reload':
      return device ? deviceBlast(device, snapshot, true) : []
    case 'vf-count':
      return device ? deviceBlast(device, snapshot, false).filter((i) => i.kind !== 'netdev') : []
    case 'pci-unbind':
    case 'pci-reset':
      return functionBlast(request.bdf, snapshot)
    case 'module':
      if (request.action === 'load') return []
      return [
        { kind: 'module', name: request.module },
        ...[...new Set(snapshot.rdma.map((l) => l.device))]
          .sort()
          .map((name) => ({ kind: 'rdma' as const, name })),
      ]
    case 'health':
      return request.action === 'recover' && device ? deviceBlast(device, snapshot, false) : []
    case 'fault':
      return device ? deviceBlast(device, snapshot, false) : []
    case 'pci-bind':
    case 'fw-tracer':
    case 'crdump':
    case 'mlxconfig':
      return []
    default:
      return assertNever(request, 'operation')
  }
}

function functionBlast(bdf: string, snapshot: HostSnapshot): BlastItem[] {
  const fn = findPciFunction(snapshot, bdf)
  if (!fn) return []
  if (fn.kind === 'pf') return deviceBlast(fn.device, snapshot, true)
  const items: BlastItem[] = [{ kind: 'vf', name: bdf, detail: fn.vf.netdev ?? `vf ${fn.vf.vf}` }]
  const netdevs = new Set<string>()
  if (fn.vf.netdev) netdevs.add(fn.vf.netdev)
  const rep = functionPorts(fn.device).find((p) => p.flavour === 'pcivf' && p.vfnum === fn.vf.vf)
  if (rep?.netdev)
    items.push({ kind: 'representor', name: rep.netdev, detail: 'link state follows the VF' })
  items.push(...rdmaOn(snapshot, netdevs))
  return items
}
