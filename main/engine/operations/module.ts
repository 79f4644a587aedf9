import { shellJoin } from '../shell'
import { knownExpectation, type OperationModule } from './operation'

/**
 * `module`: `modprobe <module>` / `modprobe -r <module>` (mlx5_ib or mlx5_core).
 *
 * Unloading mlx5_ib removes every mlx5 RDMA device (docs/domain.md §1.6); (un)loading mlx5_core
 * takes every mlx5 device away and back, so terminal panes park.
 */
export const moduleOp: OperationModule<'module'> = {
  kind: 'module',
  usage: '<mlx5_ib|mlx5_core> <load|unload>',
  fromArgs: ([module, action]) => ({ op: 'module', module, action }),
  destructive: (request) => request.action === 'unload',
  readOnly: () => false,
  subject: (request) => request.module,
  lockSubject: () => '*',
  precondition(request, snapshot) {
    const loaded = snapshot.host.modules[request.module] === true
    if (request.action === 'unload' && !loaded) return [`${request.module} is not loaded`]
    if (request.action === 'load' && loaded) return [`${request.module} is already loaded`]
    return []
  },
  commands: (request) => [
    shellJoin(
      request.action === 'load' ? ['modprobe', request.module] : ['modprobe', '-r', request.module],
    ),
  ],
  describe: (request) => `${request.module} ${request.action === 'load' ? 'loaded' : 'not loaded'}`,
  expectation: (request) =>
    knownExpectation(
      moduleOp.describe(request),
      'docs/domain.md §1.6 (lsmod)',
      (s) => (s.host.modules[request.module] === true) === (request.action === 'load'),
      (s) =>
        `${request.module} ${s.host.modules[request.module] === true ? 'loaded' : 'not loaded'}`,
    ),
  reads: ['system'],
  planReads: ['system'],
  planOnCache: true,
  blastRadius(request, snapshot) {
    if (request.action === 'load') return []
    return [
      { kind: 'module', name: request.module },
      ...[...new Set(snapshot.rdma.map((l) => l.device))]
        .sort()
        .map((name) => ({ kind: 'rdma' as const, name })),
    ]
  },
  dropReason: (request) => (request.module === 'mlx5_core' ? `mlx5_core ${request.action}` : null),
  tracks: (request, baseline) => [
    {
      kind: 'module',
      module: request.module,
      original: baseline.host.modules[request.module] === true,
    },
  ],
  project: (request, snapshot) => ({
    ...snapshot,
    host: {
      ...snapshot.host,
      modules: { ...snapshot.host.modules, [request.module]: request.action === 'load' },
    },
  }),
}
