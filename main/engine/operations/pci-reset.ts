import type { HostSnapshot } from '../../../contract'
import { findPciFunction, fwFatal } from '../snapshot-query'
import { echoTo } from '../shell'
import { functionBlast } from './blast'
import { knownExpectation, type OperationModule } from './operation'
import { functionState, functionTracks, onFunction, sysfsDev } from './pci'

/**
 * `pci-reset`: `echo 1 > /sys/bus/pci/devices/<bdf>/reset`, a function-level reset
 * (docs/domain.md §2.10). mlx5 has no reset_prepare/reset_done: a VF's own instance sees its
 * health sensors trip and recovers with the same driver; a PF goes through the fatal-error
 * flow and health recovery (§3.2, §3.4).
 */
export const pciReset: OperationModule<'pci-reset'> = {
  kind: 'pci-reset',
  usage: '<bdf>',
  fromArgs: ([bdf]) => ({ op: 'pci-reset', bdf }),
  destructive: () => true,
  readOnly: () => false,
  ...onFunction,
  precondition: (request, snapshot) =>
    findPciFunction(snapshot, request.bdf) ? [] : [`${request.bdf} is not present`],
  commands: (request) => [echoTo('1', sysfsDev(request.bdf, 'reset'))],
  describe: (request) => `${request.bdf} back with its driver after the reset; PF fw_fatal healthy`,
  expectation: (request, before) =>
    knownExpectation(
      pciReset.describe(request),
      'docs/domain.md §3.2, §3.4 (VF FLR; PF health recovery)',
      resetHolds(request.bdf, before),
      (s) => functionState(s, request.bdf),
    ),
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
  return (s) => {
    const now = findPciFunction(s, bdf)
    if (now?.kind !== 'pf' || !now.device.driver) return false
    const reporter = fwFatal(now.device)
    return reporter === undefined || reporter.state === 'healthy'
  }
}
