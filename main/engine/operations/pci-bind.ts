import { findPciFunction } from '../snapshot-query'
import { echoTo } from '../shell'
import { knownExpectation, type OperationModule } from './operation'
import { functionDriver, functionState, functionTracks, onFunction } from './pci'
import { DEVICE_PARTS } from './device'

/**
 * `pci-bind`: `echo <bdf> > /sys/bus/pci/drivers/<driver>/bind`, or without a driver
 * `echo <bdf> > /sys/bus/pci/drivers_probe`, which binds the driver the kernel matches
 * (drivers/base/bus.c `drivers_probe_store`, 6.1; docs/domain.md §2.10). An mlx5 PF probes back
 * in legacy mode with 0 VFs (mode is not persisted across probe, §3.4).
 */
export const pciBind: OperationModule<'pci-bind'> = {
  kind: 'pci-bind',
  usage: '<bdf> [driver]',
  fromArgs: ([bdf, driver]) => ({ op: 'pci-bind', bdf, ...(driver ? { driver } : {}) }),
  destructive: () => false,
  readOnly: () => false,
  ...onFunction,
  precondition(request, snapshot) {
    // An unbound PF has no devlink device, so it is invisible to discovery: allowed.
    const fn = findPciFunction(snapshot, request.bdf)
    const driver = fn === undefined ? null : functionDriver(fn)
    return driver ? [`${request.bdf} is already bound to ${driver}`] : []
  },
  commands: (request) => [
    echoTo(
      request.bdf,
      request.driver ? `/sys/bus/pci/drivers/${request.driver}/bind` : '/sys/bus/pci/drivers_probe',
    ),
  ],
  describe: (request) =>
    `${request.bdf} bound to ${request.driver ?? 'the driver the kernel matches'}`,
  expectation: (request) =>
    knownExpectation(
      pciBind.describe(request),
      'docs/domain.md §2.10, §3.4 (PF probe)',
      (s) => {
        const fn = findPciFunction(s, request.bdf)
        const driver = fn === undefined ? null : functionDriver(fn)
        return driver !== null && (request.driver === undefined || driver === request.driver)
      },
      (s) => functionState(s, request.bdf),
    ),
  reads: DEVICE_PARTS,
  planReads: ['pci'],
  blastRadius: () => [],
  dropReason: (request) =>
    `PCI bind of ${request.bdf}${request.driver ? ` to ${request.driver}` : ''}`,
  tracks: (request, baseline) => functionTracks(request.bdf, baseline, true),
}
