import { assertNever } from '../../contract'
import type {
  BlastItem,
  Device,
  DrillEstimate,
  InUseVf,
  PlannedRestore,
  PlannedStep,
} from '../../contract'
import { operationFor } from './operations'
import type { PlannedRequest } from './plan-context'
import { changeKey, opWords, type TrackedChange } from './restore'
import { findPciFunction, sriovOf } from './snapshot-query'

/** The parts of a drill plan computed from the recorded steps (drill-plan.ts). Pure. */

/** The VFs of `device` that discovery marked in use (`VfInfo.inUse`). */
export function inUseVfs(device: Device): InUseVf[] {
  return (device.pci?.vfs ?? []).flatMap((v) =>
    v.inUse
      ? [{ device: device.handle, bdf: v.bdf, vf: v.vf, netdev: v.netdev ?? null, reason: v.inUse }]
      : [],
  )
}

/** `0000:08:00.2 (VF 0, enp8s0f0v0): bound to vfio-pci`. */
export function describeInUse(v: InUseVf): string {
  return `${v.bdf} (VF ${v.vf}${v.netdev ? `, ${v.netdev}` : ''}): ${v.reason}`
}

/**
 * What the planned operations would do to VFs in use: change the VF count of their PF (which
 * destroys every VF), unbind the PF, or reset one of them. Empty when nothing in use is touched.
 */
export function disturbances(
  requests: readonly PlannedRequest[],
  device: Device,
  inUse: readonly InUseVf[],
): string[] {
  if (inUse.length === 0) return []
  const busy = new Set(inUse.map((v) => v.bdf))
  const out = new Set<string>()
  const pf = device.pci?.bdf
  // The first change of the VF count destroys every VF; later ones touch VFs the drill made.
  let counted = false
  for (const { request: r, before } of requests) {
    if (r.op === 'vf-count' && r.device === device.handle) {
      const from = sriovOf(before.devices.find((d) => d.handle === r.device))?.numvfs
      if (from !== r.count && !counted)
        out.add(`change the VF count of ${r.device} (${from ?? '?'} → ${r.count})`)
      counted ||= from !== r.count
    } else if (r.op === 'unbind' && r.device === device.handle) out.add(`unbind ${r.device}`)
    else if (r.op === 'pci-unbind' && r.bdf === pf) out.add(`unbind ${r.bdf}`)
    else if ((r.op === 'pci-reset' || r.op === 'pci-unbind') && busy.has(r.bdf)) {
      const fn = findPciFunction(before, r.bdf)
      const what = r.op === 'pci-reset' ? 'reset' : 'unbind'
      out.add(`${what} VF ${fn?.kind === 'vf' ? fn.vf.vf : '?'} (${r.bdf})`)
    }
  }
  return [...out]
}

/**
 * The blast radius of every planned operation, summed: each item once (first detail kept), VFs
 * in use marked `IN USE: <why>`.
 */
export function summedBlast(
  requests: readonly PlannedRequest[],
  inUse: readonly InUseVf[],
): BlastItem[] {
  const seen = new Map<string, BlastItem>()
  for (const { request, before } of requests) {
    for (const item of operationFor(request).blastRadius(request, before)) {
      const key = `${item.kind}|${item.name}`
      if (!seen.has(key)) seen.set(key, item)
    }
  }
  const why = new Map(inUse.map((v) => [v.bdf, v.reason]))
  return [...seen.values()].map((b) => {
    const reason = b.kind === 'vf' ? why.get(b.name) : undefined
    return reason ? { ...b, detail: `${b.detail ? `${b.detail}; ` : ''}IN USE: ${reason}` } : b
  })
}

/** What the restore pass puts back if the drill leaves it changed: tracked items, once each. */
export function plannedRestore(
  requests: readonly PlannedRequest[],
  baseline: PlannedRequest['before'],
): PlannedRestore[] {
  const tracked = new Map<string, TrackedChange>()
  for (const { request } of requests) {
    for (const c of operationFor(request).tracks(request, baseline)) {
      const key = changeKey(c)
      if (!tracked.has(key)) tracked.set(key, c)
    }
  }
  return [...tracked.values()].map((c) => ({
    key: changeKey(c),
    text: restoreText(c),
    operation: opWords(c),
  }))
}

/** A tracked item's restore in words, e.g. `E-Switch mode of pci/0000:08:00.0 back to legacy`. */
export function restoreText(c: TrackedChange): string {
  switch (c.kind) {
    case 'mode':
      return `E-Switch mode of ${c.device} back to ${c.original}`
    case 'numvfs':
      return `VF count of ${c.device} back to ${c.original}`
    case 'module':
      return `${c.module} ${c.original ? 'loaded' : 'unloaded'} again`
    case 'driver':
      return c.original ? `${c.device} bound to ${c.original} again` : `${c.device} unbound again`
    case 'bound':
      return `${c.bdf} ${c.original ? 'bound' : 'unbound'} again`
    case 'fault':
      return `${c.fault} on ${c.device} ${c.original ? 'armed' : 'disarmed'} again`
    case 'reps':
      return `representors of ${c.device} consistent again (a devlink reload if not)`
    default:
      return assertNever(c, 'tracked change')
  }
}

/** Typical time of one step kind when no earlier run says better, ms (see `estimate`). */
const TYPICAL_MS: Record<PlannedStep['kind'], number> = {
  operation: 1200,
  race: 2500,
  wait: 500,
  check: 100,
}

/** One earlier run of the same drill on the same device: its duration and iterations. */
export interface PastRun {
  readonly durationMs: number
  readonly iterations: number
}

/** Everything `estimate` reads. Durations in ms. */
export interface EstimateInput {
  readonly kind: string
  readonly device: string
  readonly first: readonly PlannedStep[]
  readonly later: readonly PlannedStep[]
  readonly iterations: number
  readonly restores: number
  readonly settleMs: number
  readonly timeoutMs: number
  readonly history: readonly PastRun[]
}

/**
 * How long the drill should take. From earlier runs of the same drill on the same device when
 * there are any (the median time per iteration × iterations); else per step: about 1.2 s per
 * operation (its commands and the 1 s settle window of an operation's wait), 2.5 s per race,
 * 0.5 s per wait that passes, one operation per restored item (a failing wait adds its settle
 * window). The worst case lets every operation and wait run to the step timeout.
 */
export function estimate(e: EstimateInput): DrillEstimate {
  const ops = (steps: readonly PlannedStep[]): number =>
    steps.filter((s) => s.kind === 'operation' || s.kind === 'race' || s.kind === 'wait').length
  const worstMs =
    (ops(e.first) + ops(e.later) * Math.max(0, e.iterations - 1) + e.restores) * e.timeoutMs
  const per = e.history
    .filter((r) => r.iterations > 0)
    .map((r) => r.durationMs / r.iterations)
    .sort((a, b) => a - b)
  if (per.length > 0) {
    const median = per[Math.floor(per.length / 2)]!
    return {
      typicalMs: Math.round(median * e.iterations),
      worstMs,
      basis:
        `median of ${per.length} earlier run${per.length === 1 ? '' : 's'} of ${e.kind} on ` +
        `${e.device}: ${(median / 1000).toFixed(1)} s per iteration`,
    }
  }
  const cost = (steps: readonly PlannedStep[]): number =>
    steps.reduce((t, s) => t + TYPICAL_MS[s.kind], 0)
  const typicalMs =
    cost(e.first) +
    cost(e.later) * Math.max(0, e.iterations - 1) +
    e.restores * TYPICAL_MS.operation
  return {
    typicalMs,
    worstMs,
    basis:
      `no earlier run of ${e.kind} on ${e.device}: about 1.2 s per operation, 2.5 s per race, ` +
      `0.5 s per wait that passes (one that fails ends after its ${e.settleMs} ms settle ` +
      `window), one operation per restored item; at most ${e.timeoutMs} ms per step`,
  }
}
