import { z } from 'zod'

import { assertNever, EswitchMode, ModuleName } from '../../contract'
import type { HostSnapshot, OperationRequest } from '../../contract'
import { checkStructure } from './invariants'
import { findDevice, findPciFunction } from './snapshot-query'

const PLACE = { step: 'restore' }

/**
 * What a drill changed and how to put it back: each tracked item remembers its value at the
 * start of the drill; restore brings back only items whose current value differs. Pure.
 */

/** One tracked piece of host state with its original value. */
export const TrackedChange = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('bound'), bdf: z.string(), pf: z.boolean(), original: z.boolean() }),
  z.object({ kind: z.literal('module'), module: ModuleName, original: z.boolean() }),
  z.object({ kind: z.literal('mode'), device: z.string(), original: EswitchMode }),
  z.object({ kind: z.literal('numvfs'), device: z.string(), original: z.number().int() }),
  /** Representors consistent (structural invariants held); put back with a driver_reinit. */
  z.object({ kind: z.literal('reps'), device: z.string(), original: z.literal(true) }),
])
export type TrackedChange = z.infer<typeof TrackedChange>

/** Stable key of a tracked item (`mode:pci/0000:08:00.0`). */
export function changeKey(c: TrackedChange): string {
  switch (c.kind) {
    case 'bound':
      return `bound:${c.bdf}`
    case 'module':
      return `module:${c.module}`
    case 'mode':
      return `mode:${c.device}`
    case 'numvfs':
      return `numvfs:${c.device}`
    case 'reps':
      return `reps:${c.device}`
    default:
      return assertNever(c, 'tracked change')
  }
}

function deviceState(baseline: HostSnapshot, handle: string): TrackedChange[] {
  const d = findDevice(baseline, handle)
  if (!d) return []
  const out: TrackedChange[] = []
  if (d.eswitch) out.push({ kind: 'mode', device: handle, original: d.eswitch.mode })
  if (d.pci) out.push({ kind: 'numvfs', device: handle, original: d.pci.numvfs })
  return out
}

/**
 * The state an operation may change, with its values in `baseline` (the drill's start).
 * Operations that tear a PF down (unbind, reset, reload, fatal error) also track its mode and
 * VF count, which a re-probe resets to legacy / 0 (domain.md §3.4).
 */
export function changesOf(request: OperationRequest, baseline: HostSnapshot): TrackedChange[] {
  switch (request.op) {
    case 'eswitch-mode':
      return deviceState(baseline, request.device).filter((c) => c.kind === 'mode')
    case 'vf-count':
      return deviceState(baseline, request.device).filter((c) => c.kind === 'numvfs')
    case 'pci-unbind':
    case 'pci-bind':
    case 'pci-reset': {
      const fn = findPciFunction(baseline, request.bdf)
      if (!fn) return []
      if (fn.kind === 'vf') {
        return request.op === 'pci-reset'
          ? []
          : [{ kind: 'bound', bdf: request.bdf, pf: false, original: fn.vf.driver !== null }]
      }
      return [
        { kind: 'bound', bdf: request.bdf, pf: true, original: fn.device.driver !== null },
        ...deviceState(baseline, fn.device.handle),
      ]
    }
    case 'module':
      return [
        {
          kind: 'module',
          module: request.module,
          original: baseline.host.modules[request.module] === true,
        },
      ]
    case 'devlink-reload':
      return deviceState(baseline, request.device)
    case 'fault':
      if (!request.device) return []
      if (request.fault === 'fw-assert') return deviceState(baseline, request.device)
      // An injected IB rep load failure can leave representors broken (domain.md §4.3).
      if (
        request.fault === 'ib-rep-load-fail' &&
        checkStructure(baseline, request.device, PLACE).length === 0
      ) {
        return [{ kind: 'reps', device: request.device, original: true }]
      }
      return []
    case 'health':
    case 'fw-tracer':
    case 'crdump':
    case 'mlxconfig':
      return []
    default:
      return assertNever(request, 'operation')
  }
}

function currentValue(c: TrackedChange, s: HostSnapshot): boolean | number | string | undefined {
  switch (c.kind) {
    case 'bound': {
      const fn = findPciFunction(s, c.bdf)
      if (!fn) return c.pf ? false : undefined
      return fn.kind === 'pf' ? fn.device.driver !== null : fn.vf.driver !== null
    }
    case 'module':
      return s.host.modules[c.module] === true
    case 'mode':
      return findDevice(s, c.device)?.eswitch?.mode
    case 'numvfs':
      return findDevice(s, c.device)?.pci?.numvfs
    case 'reps':
      return findDevice(s, c.device) ? checkStructure(s, c.device, PLACE).length === 0 : undefined
    default:
      return assertNever(c, 'tracked change')
  }
}

/** The operation that puts tracked item `c` back to its original value. */
export function restoreRequest(c: TrackedChange): OperationRequest {
  switch (c.kind) {
    case 'bound':
      return c.original
        ? { op: 'pci-bind', bdf: c.bdf, driver: 'mlx5_core' }
        : { op: 'pci-unbind', bdf: c.bdf }
    case 'module':
      return { op: 'module', module: c.module, action: c.original ? 'load' : 'unload' }
    case 'mode':
      return { op: 'eswitch-mode', device: c.device, mode: c.original }
    case 'numvfs':
      return { op: 'vf-count', device: c.device, count: c.original }
    case 'reps':
      return { op: 'devlink-reload', device: c.device, action: 'driver_reinit' }
    default:
      return assertNever(c, 'tracked change')
  }
}

/** Restore order: bind PFs, modules, E-Switch mode, VF count, representors, then VF bindings. */
function rank(c: TrackedChange): number {
  const order: Record<TrackedChange['kind'], number> = {
    bound: 0,
    module: 1,
    mode: 2,
    numvfs: 3,
    reps: 4,
  }
  return c.kind === 'bound' && !c.pf ? 5 : order[c.kind]
}

/**
 * The next restore operation: the first tracked item (in restore order) that is not in `done`
 * and differs from the current snapshot. Undefined when everything is back. Items whose value
 * cannot be read now (device absent) are skipped until an earlier item brings it back.
 */
export function nextRestore(
  changes: readonly TrackedChange[],
  snapshot: HostSnapshot,
  done: ReadonlySet<string>,
): { key: string; request: OperationRequest } | undefined {
  const ordered = [...changes].sort((a, b) => rank(a) - rank(b))
  for (const c of ordered) {
    const key = changeKey(c)
    if (done.has(key)) continue
    const now = currentValue(c, snapshot)
    if (now === undefined || now === c.original) continue
    if ((c.kind === 'mode' || c.kind === 'numvfs') && !findDevice(snapshot, c.device)?.driver)
      continue
    return { key, request: restoreRequest(c) }
  }
  return undefined
}
