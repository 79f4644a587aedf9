import { familyOf, findDevice, modeOf, sriovOf } from '../snapshot-query'
import { shellJoin } from '../shell'
import { deviceBlastOf } from './blast'
import { DEVICE_PARTS, deviceState, deviceTracks, missing, onDevice, vfPortCount } from './device'
import { knownExpectation, type OperationModule } from './operation'
import { inMode, withDevice } from './project'

/**
 * `eswitch-mode`: `devlink dev eswitch set <dev> mode <mode> [inline-mode …] [encap-mode …]`.
 *
 * mlx5 (`mlx5_devlink_eswitch_mode_set`, docs/domain.md §1.2): the set returns once the new mode
 * is up; in switchdev one `pcivf` devlink port per VF is published before it returns. The PF
 * netdev and RDMA device are recreated, and the card's other PF may lose its link (§3.4).
 * netdevsim (`nsim_esw_switchdev_enable` / `nsim_esw_legacy_enable`, dev.c 6.1): the same, one
 * `pcivf` port per VF of its bus device, added or removed before the set returns (§6). Other
 * drivers: the mode devlink reports (its VF ports are not known).
 */
export const eswitchMode: OperationModule<'eswitch-mode'> = {
  kind: 'eswitch-mode',
  usage: '<device> <legacy|switchdev|switchdev_inactive>',
  fromArgs: ([device, mode]) => ({ op: 'eswitch-mode', device, mode }),
  destructive: () => true,
  readOnly: () => false,
  ...onDevice,
  precondition(request, snapshot) {
    const device = findDevice(snapshot, request.device)
    if (!device) return missing(request.device)
    if (device.devlink === false) return [`${request.device} has no devlink instance`]
    return device.eswitch ? [] : [`${request.device} has no E-Switch (devlink eswitch show failed)`]
  },
  commands(request) {
    const words = ['devlink', 'dev', 'eswitch', 'set', request.device, 'mode', request.mode]
    if (request.inlineMode) words.push('inline-mode', request.inlineMode)
    if (request.encapMode) words.push('encap-mode', request.encapMode)
    return [shellJoin(words)]
  },
  describe: (request) =>
    `E-Switch of ${request.device} in ${request.mode} mode with one VF port per VF`,
  expectation(request, before) {
    const family = familyOf(findDevice(before, request.device), request.device)
    const ports = family !== 'other'
    return knownExpectation(
      ports
        ? eswitchMode.describe(request)
        : `E-Switch of ${request.device} in ${request.mode} mode`,
      family === 'netdevsim'
        ? 'drivers/net/netdevsim/dev.c nsim_devlink_eswitch_mode_set (6.1); docs/domain.md §6'
        : 'docs/domain.md §1.2 (mlx5_devlink_eswitch_mode_set)',
      (s) => {
        const d = findDevice(s, request.device)
        if (modeOf(d) !== request.mode) return false
        if (!ports || request.mode === 'legacy') return true
        return vfPortCount(s, request.device) === (sriovOf(d)?.numvfs ?? 0)
      },
      (s) => deviceState(s, request.device),
    )
  },
  reads: DEVICE_PARTS,
  planReads: [],
  blastRadius: (request, snapshot) => deviceBlastOf(request.device, snapshot, true),
  dropReason: () => null,
  tracks: (request, baseline) =>
    deviceTracks(baseline, request.device).filter((c) => c.kind === 'mode'),
  project: (request, snapshot) =>
    withDevice(snapshot, request.device, (d) => inMode(d, request.mode)),
}
