import type { Device, HostSnapshot } from '../../../contract'
import { familyOf, findDevice, modeOf, sriovOf } from '../snapshot-query'
import { shellJoin } from '../shell'
import { deviceBlastOf } from './blast'
import {
  DEVICE_PARTS,
  deviceState,
  deviceTracks,
  needsDevlink,
  onDevice,
  UNEVENTED_DEVICE_PARTS,
} from './device'
import { knownExpectation, unknownExpectation, type OperationModule } from './operation'
import { inMode, withDevice, withVfs } from './project'

/**
 * `devlink-reload`: `devlink dev reload <dev> action <driver_reinit|fw_activate>`.
 *
 * Outcome per driver:
 * - mlx5 (docs/domain.md §2.3): driver_reinit = `mlx5_unload_one` + `mlx5_load_one`; every
 *   netdev, IB device and representor goes away and comes back, and the E-Switch mode and VFs are
 *   kept. fw_activate also reinitialises the driver.
 * - netdevsim (drivers/net/netdevsim/dev.c `nsim_dev_reload_destroy`, 6.1): its VFs are dropped
 *   (numvfs 0) and the E-Switch returns to legacy before the instance is rebuilt; only
 *   driver_reinit is offered. `fail_reload` in debugfs makes the rebuild fail (`reload_failed`).
 * - other drivers: not known; the engine reports what it observed once the device settled.
 */
export const devlinkReload: OperationModule<'devlink-reload'> = {
  kind: 'devlink-reload',
  usage: '<device> <driver_reinit|fw_activate>',
  fromArgs: ([device, action]) => ({ op: 'devlink-reload', device, action }),
  destructive: () => true,
  readOnly: () => false,
  ...onDevice,
  precondition: (request, snapshot) => needsDevlink(snapshot, request.device),
  commands: (request) => [
    shellJoin(['devlink', 'dev', 'reload', request.device, 'action', request.action]),
  ],
  describe: (request) => `${request.device} back after ${request.action} in the same E-Switch mode`,
  expectation(request, before) {
    const d = findDevice(before, request.device)
    const observed = (s: HostSnapshot): string => deviceState(s, request.device)
    const family = familyOf(d, request.device)
    if (family === 'netdevsim') {
      return knownExpectation(
        `${request.device} back after ${request.action} in legacy with 0 VFs (netdevsim drops its VFs on reload)`,
        'drivers/net/netdevsim/dev.c nsim_dev_reload_destroy (6.1); docs/domain.md §6',
        (s) => {
          const now = findDevice(s, request.device)
          return back(now) && modeOf(now) === 'legacy' && sriovOf(now)?.numvfs === 0
        },
        observed,
      )
    }
    if (family === 'other') {
      return unknownExpectation(
        `${request.device} after ${request.action} (its driver's reload outcome is not known)`,
        'net/devlink reload (6.1): the driver decides what survives',
        observed,
      )
    }
    const mode = modeOf(d)
    return knownExpectation(
      devlinkReload.describe(request),
      'docs/domain.md §2.3 (mlx5 devlink reload: mode and VFs kept)',
      (s) => {
        const now = findDevice(s, request.device)
        return back(now) && modeOf(now) === mode
      },
      observed,
    )
  },
  reads: DEVICE_PARTS,
  planReads: UNEVENTED_DEVICE_PARTS,
  blastRadius: (request, snapshot) => deviceBlastOf(request.device, snapshot, true),
  dropReason: (request) => `devlink reload of ${request.device}`,
  tracks: (request, baseline) => deviceTracks(baseline, request.device),
  /** netdevsim drops its VFs and returns to legacy on reload; mlx5 keeps both. */
  project: (request, snapshot) =>
    familyOf(findDevice(snapshot, request.device), request.device) === 'netdevsim'
      ? withDevice(snapshot, request.device, (d) => withVfs(inMode(d, 'legacy'), 0))
      : snapshot,
}

/** The instance is back: bound, and devlink does not report `reload_failed`. */
function back(device: Device | undefined): boolean {
  return Boolean(device?.driver) && device?.reloadFailed !== true
}
