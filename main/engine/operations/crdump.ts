import { findDevice } from '../snapshot-query'
import { shellJoin } from '../shell'
import { missing, onDevice } from './device'
import type { OperationModule } from './operation'
import { pfBdf } from './pci'

/**
 * `crdump`: the firmware CR-space dump, read only: `devlink health dump show <dev> reporter
 * fw_fatal` upstream, `cat /proc/driver/mlx5_core/crdump/<bdf>` on MLNX_OFED (docs/domain.md §3.3).
 */
export const crdump: OperationModule<'crdump'> = {
  kind: 'crdump',
  usage: '<device> [devlink|ofed]',
  fromArgs: ([device, source]) => ({ op: 'crdump', device, ...(source ? { source } : {}) }),
  destructive: () => false,
  readOnly: () => true,
  ...onDevice,
  precondition: (request, snapshot) =>
    findDevice(snapshot, request.device) ? [] : missing(request.device),
  commands(request, snapshot) {
    const source = request.source ?? findDevice(snapshot, request.device)?.crdump ?? 'devlink'
    if (source === 'devlink') {
      return [
        shellJoin(['devlink', 'health', 'dump', 'show', request.device, 'reporter', 'fw_fatal']),
      ]
    }
    return [shellJoin(['cat', `/proc/driver/mlx5_core/crdump/${pfBdf(request.device, snapshot)}`])]
  },
  describe: (request) => `crdump of ${request.device}`,
  expectation: () => null,
  reads: [],
  planReads: [],
  blastRadius: () => [],
  dropReason: () => null,
  tracks: () => [],
}
