import { DrillStartRequest, OperationRequest, labError } from '../../contract'
import type { DrillKind } from '../../contract'
import { DRILLS, drillDefaults } from './drills'
import { operationFor } from './operations'
import type { Clock, SnapshotSource } from './ports'

/** Input handling of the `Engine` facade: validation, drill defaults, lock subjects, ids. */

/** A run/op id: compact UTC time + 6 random base-36 chars (URL- and file-safe). */
export function defaultId(clock: Clock): string {
  const rand = Math.floor(Math.random() * 36 ** 6)
    .toString(36)
    .padStart(6, '0')
  return `${new Date(clock.now())
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${rand}`
}

/**
 * Fills a raw (unparsed) drill request's missing params with the drill's own defaults
 * (`drillDefaults`, e.g. mode-race's 10 iterations) before `DrillParams` fills the rest.
 */
export function withDrillDefaults(request: unknown): unknown {
  if (typeof request !== 'object' || request === null) return request
  const r = request as { kind?: unknown; params?: unknown }
  if (typeof r.kind !== 'string' || !(r.kind in DRILLS)) return request
  const given =
    typeof r.params === 'object' && r.params !== null ? (r.params as Record<string, unknown>) : {}
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined))
  return { ...r, params: { ...drillDefaults(r.kind as DrillKind), ...defined } }
}

/** Parses an operation request; throws `invalid-request` naming the schema error. */
export function parseRequest(request: unknown): OperationRequest {
  const r = OperationRequest.safeParse(request)
  if (!r.success) throw labError('invalid-request', `bad operation request: ${r.error.message}`)
  return r.data
}

/**
 * The devlink device an operation locks (its module's `lockSubject` on the cached snapshot): its
 * device, the PF of its BDF, or `*` (host-wide).
 */
export async function lockSubject(req: OperationRequest, source: SnapshotSource): Promise<string> {
  return operationFor(req).lockSubject(req, await source.snapshot({ fresh: false }))
}

/** Parses a drill start request (with drill defaults); throws `invalid-request`. */
export function parseDrillRequest(request: unknown): DrillStartRequest {
  const parsed = DrillStartRequest.safeParse(withDrillDefaults(request))
  if (!parsed.success)
    throw labError('invalid-request', `bad drill request: ${parsed.error.message}`)
  return parsed.data
}
