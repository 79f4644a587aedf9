import type { HostSnapshot } from '../../../contract'
import { familyOf, findPciFunction, fwFatal, sriovOf } from '../snapshot-query'
import { echoTo } from '../shell'
import { functionBlast } from './blast'
import { knownExpectation, type OperationModule } from './operation'
import { functionState, functionTracks, onFunction, sysfsDev } from './pci'

/**
 * `pci-reset`: `echo 1 > /sys/bus/pci/devices/<bdf>/reset`, a reset by the first of the function's
 * `reset_method`s, an FLR for SR-IOV VFs (drivers/pci/pci.c `pci_reset_function`, 6.1: the
 * function's config space, SR-IOV state included, is saved and restored around it, and its driver
 * stays bound; docs/domain.md §2.10). mlx5 has no reset_prepare/reset_done: a VF's own instance
 * sees its health sensors trip and recovers with the same driver; an mlx5 PF goes through the
 * fatal-error flow and health recovery (§3.2, §3.4). Any other PF keeps its driver and its VFs.
 */
export const pciReset: OperationModule<'pci-reset'> = {
  kind: 'pci-reset',
  usage: '<bdf>',
  fromArgs: ([bdf]) => ({ op: 'pci-reset', bdf }),
  destructive: () => true,
  readOnly: () => false,
  ...onFunction,
  precondition(request, snapshot) {
    const fn = findPciFunction(snapshot, request.bdf)
    if (!fn) return [`${request.bdf} is not present`]
    const methods = fn.kind === 'vf' ? fn.vf.resetMethod : fn.device.pci?.resetMethod
    // pci-sysfs.c: no reset method, no `reset` file
    return methods?.length === 0
      ? [`${request.bdf} has no reset method (reset_method is empty)`]
      : []
  },
  commands: (request) => [echoTo('1', sysfsDev(request.bdf, 'reset'))],
  describe: (request) =>
    `${request.bdf} back with its driver after the reset (mlx5 PF: fw_fatal healthy)`,
  expectation: (request, before) =>
    knownExpectation(
      pciReset.describe(request),
      'drivers/pci/pci.c pci_reset_function (6.1); docs/domain.md §3.2, §3.4 (mlx5 PF recovery)',
      resetHolds(request.bdf, before),
      (s) => functionState(s, request.bdf),
    ),
  // The expectation and its words need the function (driver, VFs) and, for an mlx5 PF, fw_fatal;
  // the plan needs the function's reset_method and VFs, which no monitor event reports.
  reads: ['pci', 'health'],
  planReads: ['pci'],
  blastRadius: (request, snapshot) => functionBlast(request.bdf, snapshot),
  dropReason: (request) => `function reset (FLR) of ${request.bdf}`,
  tracks: (request, baseline) => functionTracks(request.bdf, baseline, false),
}

/** VF FLR: the VF is back with its driver; PF reset: device back and fw_fatal healthy (§3.2). */
function resetHolds(bdf: string, before: HostSnapshot): (s: HostSnapshot) => boolean {
  const fn = findPciFunction(before, bdf)
  if (fn?.kind === 'vf') {
    const driver = fn.vf.driver
    return (s) => {
      const now = findPciFunction(s, bdf)
      return now?.kind === 'vf' && now.vf.driver === driver
    }
  }
  if (fn && familyOf(fn.device) !== 'mlx5_core') {
    const driver = fn.device.driver
    const numvfs = sriovOf(fn.device)?.numvfs
    return (s) => {
      const now = findPciFunction(s, bdf)
      return (
        now?.kind === 'pf' && now.device.driver === driver && sriovOf(now.device)?.numvfs === numvfs
      )
    }
  }
  return (s) => {
    const now = findPciFunction(s, bdf)
    if (now?.kind !== 'pf' || !now.device.driver) return false
    const reporter = fwFatal(now.device)
    return reporter === undefined || reporter.state === 'healthy'
  }
}
