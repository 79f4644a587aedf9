import type { HostSnapshot } from '../../../contract'
import { echoTo } from '../shell'
import { knownExpectation, type OperationModule } from './operation'

/** Firmware tracer enable files (docs/domain.md §3.1): upstream `mlx5_fw`, old OFED `fw_tracer`. */
export const TRACER_PATHS = {
  upstream: '/sys/kernel/debug/tracing/events/mlx5/mlx5_fw/enable',
  ofed: '/sys/kernel/debug/tracing/events/mlx5/fw_tracer/enable',
} as const

/**
 * `fw-tracer`: `echo 1|0 > …/events/mlx5/<mlx5_fw|fw_tracer>/enable` (docs/domain.md §3.1). The
 * path is the request's, else the one discovery found, else upstream. Host-wide.
 */
export const fwTracer: OperationModule<'fw-tracer'> = {
  kind: 'fw-tracer',
  usage: '<on|off> [upstream|ofed]',
  fromArgs: ([state, path]) => ({
    op: 'fw-tracer',
    enable: state === 'on' ? true : state === 'off' ? false : state,
    ...(path ? { path } : {}),
  }),
  destructive: () => false,
  readOnly: () => false,
  subject: () => 'the host',
  lockSubject: () => '*',
  precondition: (request, snapshot) =>
    request.path || snapshot.tracer?.path ? [] : ['no firmware tracer event on this host'],
  commands(request, snapshot) {
    const path = request.path ?? snapshot.tracer?.path ?? 'upstream'
    return [echoTo(request.enable ? '1' : '0', TRACER_PATHS[path])]
  },
  describe: (request) => `firmware tracer ${request.enable ? 'enabled' : 'disabled'}`,
  expectation: (request, before) =>
    before.tracer
      ? knownExpectation(
          fwTracer.describe(request),
          'docs/domain.md §3.1 (tracefs events/mlx5)',
          (s) => s.tracer?.enabled === request.enable,
          tracerState,
        )
      : null,
  reads: ['extras'],
  planReads: ['extras'],
  planOnCache: true,
  blastRadius: () => [],
  dropReason: () => null,
  tracks: () => [],
}

/** `firmware tracer (upstream path) enabled`, or `no firmware tracer`. */
function tracerState(snapshot: HostSnapshot): string {
  const t = snapshot.tracer
  if (!t?.path) return 'no firmware tracer'
  return `firmware tracer (${t.path} path) ${t.enabled ? 'enabled' : 'disabled'}`
}
