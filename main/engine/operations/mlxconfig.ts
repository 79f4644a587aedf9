import { labError } from '../../../contract'
import { findPciFunction } from '../snapshot-query'
import { shellJoin } from '../shell'
import type { OperationModule } from './operation'
import { onFunction } from './pci'

/**
 * `mlxconfig`: query or set `SW_RECOVERY_ON_ERRORS` with NVIDIA's MFT `mlxconfig` on a PF
 * (docs/domain.md §3.2: the knob that turns a firmware assert into the fatal flow). A set takes
 * effect after the next firmware reset, so nothing observable changes now.
 */
export const mlxconfig: OperationModule<'mlxconfig'> = {
  kind: 'mlxconfig',
  usage: '<bdf> query | mlxconfig <bdf> set <true|false>',
  fromArgs: ([bdf, action, value]) => ({
    op: 'mlxconfig',
    bdf,
    action,
    ...(action === 'set'
      ? { swRecoveryOnErrors: value === 'true' ? true : value === 'false' ? false : value }
      : {}),
  }),
  destructive: (request) => request.action === 'set',
  readOnly: (request) => request.action === 'query',
  ...onFunction,
  precondition: (request, snapshot) =>
    findPciFunction(snapshot, request.bdf)?.kind === 'pf' ? [] : [`${request.bdf} is not a PF`],
  commands(request) {
    if (request.action === 'query') {
      return [shellJoin(['mlxconfig', '-d', request.bdf, '-e', 'query', 'SW_RECOVERY_ON_ERRORS'])]
    }
    if (request.swRecoveryOnErrors === undefined) {
      throw labError('invalid-request', 'mlxconfig set needs swRecoveryOnErrors')
    }
    const value = request.swRecoveryOnErrors ? 'true' : 'false'
    return [
      shellJoin(['mlxconfig', '-d', request.bdf, '-y', 'set', `SW_RECOVERY_ON_ERRORS=${value}`]),
    ]
  },
  describe: (request) =>
    `SW_RECOVERY_ON_ERRORS of ${request.bdf} ${request.action === 'set' ? 'set' : 'shown'}`,
  expectation: () => null,
  reads: [],
  planReads: [],
  blastRadius: () => [],
  dropReason: () => null,
  tracks: () => [],
}
