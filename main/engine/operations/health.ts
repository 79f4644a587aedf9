import type { HostSnapshot } from '../../../contract'
import { findDevice } from '../snapshot-query'
import { shellJoin } from '../shell'
import { deviceBlastOf } from './blast'
import { missing, onDevice } from './device'
import { knownExpectation, type OperationModule, type Req } from './operation'

type HealthRequest = Req<'health'>

/**
 * `health`: `devlink health recover|diagnose|dump show <dev>[/<port>] reporter <name>`
 * (docs/domain.md §2.4). Diagnose and dump only read; recover runs the reporter's recovery, for
 * mlx5 fw_fatal the whole teardown and reload of §3.2, so the device drops and comes back.
 */
export const health: OperationModule<'health'> = {
  kind: 'health',
  usage: '<device> <reporter: fw_fatal|fw|tx|rx|dummy|…> <recover|diagnose|dump> [port]',
  fromArgs: ([device, reporter, action, port]) => ({
    op: 'health',
    device,
    reporter,
    action,
    ...(port !== undefined ? { port: Number(port) } : {}),
  }),
  destructive: (request) => request.action === 'recover',
  readOnly: (request) => request.action !== 'recover',
  ...onDevice,
  precondition(request, snapshot) {
    const device = findDevice(snapshot, request.device)
    if (!device) return missing(request.device)
    const listed = device.health.map((h) => h.reporter)
    return reporterOf(snapshot, request)
      ? []
      : [
          `${request.device} has no ${request.reporter} reporter${portText(request.port)}` +
            ` (it lists ${listed.length ? [...new Set(listed)].join(', ') : 'none'})`,
        ]
  },
  commands(request) {
    const verb = request.action === 'dump' ? ['dump', 'show'] : [request.action]
    return [
      shellJoin(['devlink', 'health', ...verb, target(request), 'reporter', request.reporter]),
    ]
  },
  describe: (request) =>
    request.action === 'recover'
      ? `${request.reporter} reporter of ${request.device} healthy`
      : `${request.reporter} ${request.action} output of ${request.device}`,
  expectation: (request) =>
    request.action !== 'recover'
      ? null
      : knownExpectation(
          health.describe(request),
          'docs/domain.md §2.4, §3.2 (devlink health recover)',
          (s) => reporterOf(s, request)?.state === 'healthy',
          (s) =>
            `${request.reporter} reporter of ${target(request)}: ${reporterOf(s, request)?.state ?? 'not listed'}`,
        ),
  reads: ['health'],
  planReads: [],
  blastRadius: (request, snapshot) =>
    request.action === 'recover' ? deviceBlastOf(request.device, snapshot, false) : [],
  // Only fw_fatal's recovery tears the device down and reloads it (mlx5 health.c, §3.2); other
  // reporters (mlx5 tx/rx/fw, netdevsim dummy) recover in place.
  dropReason: (request) =>
    request.action === 'recover' && request.reporter === 'fw_fatal'
      ? `health recovery of ${target(request)}`
      : null,
  tracks: () => [],
}

/** `<dev>` or `<dev>/<port>`: the devlink object the reporter belongs to. */
function target(request: HealthRequest): string {
  return request.port === undefined ? request.device : `${request.device}/${request.port}`
}

function reporterOf(snapshot: HostSnapshot, request: HealthRequest) {
  return findDevice(snapshot, request.device)?.health.find(
    (h) => h.reporter === request.reporter && h.port === request.port,
  )
}

function portText(port: number | undefined): string {
  return port === undefined ? '' : ` on port ${port}`
}
