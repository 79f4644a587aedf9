import type { OperationRequest } from './operations'

/**
 * Operations that only read the host: health diagnose and dump, crdump collection, an
 * mlxconfig query. They change no device state, so they run on read-only hosts, open a plain
 * (non-destructive) dialog, and need no driver-disturbing confirmation. Everything else
 * mutates. Kernel side: `devlink health diagnose`/`dump show` and the crdump read are queries
 * (docs/domain.md §2.4).
 */
export function isReadOnlyOperation(request: OperationRequest): boolean {
  switch (request.op) {
    case 'health':
      return request.action === 'diagnose' || request.action === 'dump'
    case 'crdump':
      return true
    case 'mlxconfig':
      return request.action === 'query'
    default:
      return false
  }
}
