import { findPciFunction } from '../snapshot-query'
import { echoTo } from '../shell'
import { functionBlast } from './blast'
import { knownExpectation, type OperationModule } from './operation'
import { functionDriver, functionState, functionTracks, onFunction, sysfsDev } from './pci'
import { DEVICE_PARTS } from './device'

/**
 * `pci-unbind`: `echo <bdf> > /sys/bus/pci/devices/<bdf>/driver/unbind` (docs/domain.md §2.10).
 * A PF unbind removes its netdevs, representors, RDMA devices, VFs and devlink instance (§3.4);
 * a VF unbind removes that VF's netdev and RDMA device. The device drops until a bind.
 */
export const pciUnbind: OperationModule<'pci-unbind'> = {
  kind: 'pci-unbind',
  usage: '<bdf>',
  fromArgs: ([bdf]) => ({ op: 'pci-unbind', bdf }),
  destructive: () => true,
  readOnly: () => false,
  ...onFunction,
  precondition(request, snapshot) {
    const fn = findPciFunction(snapshot, request.bdf)
    if (!fn) return [`${request.bdf} is not present or already unbound`]
    return functionDriver(fn) ? [] : [`${request.bdf} is not bound to a driver`]
  },
  commands: (request) => [echoTo(request.bdf, sysfsDev(request.bdf, 'driver/unbind'))],
  describe: (request) => `${request.bdf} has no driver`,
  expectation: (request) =>
    knownExpectation(
      pciUnbind.describe(request),
      'docs/domain.md §2.10, §3.4 (driver unbind)',
      (s) => {
        const fn = findPciFunction(s, request.bdf)
        return fn === undefined || !functionDriver(fn)
      },
      (s) => functionState(s, request.bdf),
    ),
  reads: DEVICE_PARTS,
  planReads: ['pci'],
  blastRadius: (request, snapshot) => functionBlast(request.bdf, snapshot),
  dropReason: (request) => `PCI unbind of ${request.bdf}`,
  tracks: (request, baseline) => functionTracks(request.bdf, baseline, true),
}
