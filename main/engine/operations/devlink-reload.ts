import { findDevice, modeOf } from '../snapshot-query'
import { shellJoin } from '../shell'
import { deviceBlastOf } from './blast'
import { deviceState, deviceTracks, missing, onDevice } from './device'
import { knownExpectation, type OperationModule } from './operation'

/**
 * `devlink-reload`: `devlink dev reload <dev> action <driver_reinit|fw_activate>`.
 *
 * mlx5 (docs/domain.md §2.3): driver_reinit = `mlx5_unload_one` + `mlx5_load_one`; every netdev,
 * IB device and representor goes away and comes back, and the E-Switch mode and VFs are kept.
 * fw_activate also reinitialises the driver.
 */
export const devlinkReload: OperationModule<'devlink-reload'> = {
  kind: 'devlink-reload',
  usage: '<device> <driver_reinit|fw_activate>',
  fromArgs: ([device, action]) => ({ op: 'devlink-reload', device, action }),
  destructive: () => true,
  readOnly: () => false,
  ...onDevice,
  precondition: (request, snapshot) =>
    findDevice(snapshot, request.device) ? [] : missing(request.device),
  commands: (request) => [
    shellJoin(['devlink', 'dev', 'reload', request.device, 'action', request.action]),
  ],
  describe: (request) => `${request.device} back after ${request.action} in the same E-Switch mode`,
  expectation(request, before) {
    const mode = modeOf(findDevice(before, request.device))
    return knownExpectation(
      devlinkReload.describe(request),
      'docs/domain.md §2.3 (mlx5 devlink reload: mode and VFs kept)',
      (s) => {
        const d = findDevice(s, request.device)
        return Boolean(d?.driver) && modeOf(d) === mode
      },
      (s) => deviceState(s, request.device),
    )
  },
  blastRadius: (request, snapshot) => deviceBlastOf(request.device, snapshot, true),
  dropReason: (request) => `devlink reload of ${request.device}`,
  tracks: (request, baseline) => deviceTracks(baseline, request.device),
}
