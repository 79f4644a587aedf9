import { z } from 'zod'

import { assertNever, EswitchMode, ModuleName } from '../../contract'
import type { HostSnapshot, OperationRequest } from '../../contract'
import { checkStructure } from './invariants'
import { findDevice, findPciFunction, sriovOf } from './snapshot-query'

const PLACE = { step: 'restore' }

/**
 * What a drill changed and how to put it back: each tracked item remembers its value at the
 * start of the drill; restore brings back only items whose current value differs. Pure. What an
 * operation may change is its module's `tracks` (operations/<kind>.ts).
 */

/** One tracked piece of host state with its original value. */
export const TrackedChange = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('bound'),
    bdf: z.string(),
    pf: z.boolean(),
    original: z.boolean(),
    /** The driver it was bound to (journals before 2026-12 lack it: the kernel then picks). */
    driver: z.string().optional(),
  }),
  /** A driver fault knob (netdevsim debugfs) and whether it was armed; put back by `clear`. */
  z.object({
    kind: z.literal('fault'),
    device: z.string(),
    fault: z.enum(['reload-fail', 'reload-refuse', 'recover-fail']),
    original: z.boolean(),
  }),
  /** A bus device's driver (`pci/<bdf>`, `netdevsim/netdevsimN`); null when it had none. */
  z.object({ kind: z.literal('driver'), device: z.string(), original: z.string().nullable() }),
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
    case 'driver':
      return `driver:${c.device}`
    case 'fault':
      return `fault:${c.device}:${c.fault}`
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

function currentValue(
  c: TrackedChange,
  s: HostSnapshot,
): boolean | number | string | null | undefined {
  switch (c.kind) {
    case 'bound': {
      const fn = findPciFunction(s, c.bdf)
      if (!fn) return c.pf ? false : undefined
      return fn.kind === 'pf' ? fn.device.driver !== null : fn.vf.driver !== null
    }
    case 'driver':
      return findDevice(s, c.device)?.driver ?? null
    case 'fault': {
      const d = findDevice(s, c.device)
      return d?.faults === undefined ? undefined : d.faults.includes(c.fault)
    }
    case 'module':
      return s.host.modules[c.module] === true
    case 'mode':
      return findDevice(s, c.device)?.eswitch?.mode
    case 'numvfs':
      return sriovOf(findDevice(s, c.device))?.numvfs
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
        ? { op: 'pci-bind', bdf: c.bdf, ...(c.driver ? { driver: c.driver } : {}) }
        : { op: 'pci-unbind', bdf: c.bdf }
    case 'driver':
      return c.original === null
        ? { op: 'unbind', device: c.device }
        : { op: 'bind', device: c.device, driver: c.original }
    case 'fault':
      return c.original
        ? { op: 'fault', fault: c.fault, device: c.device }
        : { op: 'fault', fault: 'clear', device: c.device }
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

/**
 * Restore order: bind PFs and bus devices, modules, VF count, E-Switch mode, representors, then
 * VF bindings. The VF count goes before the mode because netdevsim returns its E-Switch to legacy
 * when its VFs go through 0 (drivers/net/netdevsim/dev.c `nsim_drv_configure_vfs`, 6.1); mlx5
 * takes either order (docs/domain.md §1.3).
 */
function rank(c: TrackedChange): number {
  const order: Record<TrackedChange['kind'], number> = {
    bound: 0,
    driver: 0,
    fault: 0,
    module: 1,
    numvfs: 2,
    mode: 3,
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

/** `replab op` words that put `c` back (the restore pass's own request). */
export function opWords(c: TrackedChange): string {
  const r = restoreRequest(c)
  switch (r.op) {
    case 'eswitch-mode':
      return `eswitch-mode ${r.device} ${r.mode}`
    case 'vf-count':
      return `vf-count ${r.device} ${r.count}`
    case 'pci-bind':
    case 'pci-unbind':
      return `${r.op} ${r.bdf}`
    case 'module':
      return `module ${r.module} ${r.action}`
    case 'devlink-reload':
      return `devlink-reload ${r.device} ${r.action}`
    case 'bind':
      return `bind ${r.device}${r.driver ? ` ${r.driver}` : ''}`
    case 'unbind':
      return `unbind ${r.device}`
    case 'fault':
      return `fault ${r.fault}${r.device ? ` ${r.device}` : ''}`
    default:
      return r.op
  }
}
