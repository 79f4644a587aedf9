import { describe, expect, it } from 'vitest'

import type { OperationRequest } from '../../../contract'
import { OP_USAGE, parseOperation } from '../../../main/cli/commands/op'
import { OPERATIONS } from '../../../main/engine/operations'

// `replab op` words come from each operation module (usage, fromArgs) and are validated by the
// contract: one line of usage per module, and the same requests the CLI always built.

const PF = 'pci/0000:08:00.0'

const cases: [string, string[], OperationRequest][] = [
  ['eswitch-mode', [PF, 'switchdev'], { op: 'eswitch-mode', device: PF, mode: 'switchdev' }],
  ['vf-count', [PF, '4'], { op: 'vf-count', device: PF, count: 4 }],
  ['pci-unbind', ['0000:08:00.2'], { op: 'pci-unbind', bdf: '0000:08:00.2' }],
  ['pci-bind', ['0000:08:00.0'], { op: 'pci-bind', bdf: '0000:08:00.0' }],
  ['pci-bind', ['0000:01:00.0', 'nvme'], { op: 'pci-bind', bdf: '0000:01:00.0', driver: 'nvme' }],
  ['unbind', ['netdevsim/netdevsim10'], { op: 'unbind', device: 'netdevsim/netdevsim10' }],
  ['bind', ['pci/0000:01:00.0'], { op: 'bind', device: 'pci/0000:01:00.0' }],
  ['pci-reset', ['0000:08:00.2'], { op: 'pci-reset', bdf: '0000:08:00.2' }],
  ['module', ['mlx5_ib', 'unload'], { op: 'module', module: 'mlx5_ib', action: 'unload' }],
  [
    'devlink-reload',
    [PF, 'driver_reinit'],
    { op: 'devlink-reload', device: PF, action: 'driver_reinit' },
  ],
  [
    'health',
    [PF, 'tx', 'diagnose', '65535'],
    { op: 'health', device: PF, reporter: 'tx', action: 'diagnose', port: 65535 },
  ],
  [
    'health',
    ['netdevsim/netdevsim10', 'dummy', 'recover'],
    { op: 'health', device: 'netdevsim/netdevsim10', reporter: 'dummy', action: 'recover' },
  ],
  ['fw-tracer', ['on', 'ofed'], { op: 'fw-tracer', enable: true, path: 'ofed' }],
  ['fw-tracer', ['off'], { op: 'fw-tracer', enable: false }],
  ['crdump', [PF, 'ofed'], { op: 'crdump', device: PF, source: 'ofed' }],
  [
    'mlxconfig',
    ['0000:08:00.0', 'query'],
    { op: 'mlxconfig', bdf: '0000:08:00.0', action: 'query' },
  ],
  [
    'mlxconfig',
    ['0000:08:00.0', 'set', 'false'],
    { op: 'mlxconfig', bdf: '0000:08:00.0', action: 'set', swRecoveryOnErrors: false },
  ],
  ['fault', ['fw-assert', PF], { op: 'fault', fault: 'fw-assert', device: PF }],
  [
    'fault',
    ['ib-rep-load-fail', PF, '1'],
    { op: 'fault', fault: 'ib-rep-load-fail', device: PF, vport: 1 },
  ],
]

describe('replab op words', () => {
  it('lists one usage line per operation module, in registry order', () => {
    expect(OP_USAGE).toEqual(Object.values(OPERATIONS).map((m) => `${m.kind} ${m.usage}`))
    expect(OP_USAGE).toHaveLength(Object.keys(OPERATIONS).length)
  })

  it.each(cases)('%s %j', (op, args, request) => {
    expect(parseOperation(op, args)).toEqual(request)
  })

  it('an unknown operation lists them all', () => {
    expect(() => parseOperation('reboot', [])).toThrow(
      /unknown operation "reboot"; operations:\n {2}eswitch-mode /,
    )
    expect(() => parseOperation('toString', [])).toThrow(/unknown operation/)
  })

  it('bad words name the field and the usage of that operation', () => {
    expect(() => parseOperation('vf-count', [PF, 'many'])).toThrow(
      /^vf-count: count: .*\nusage: replab op <target> vf-count <device> <n>$/,
    )
    for (const bad of ['$(reboot)', '`id`', "a'; rm -rf /"]) {
      expect(() => parseOperation('eswitch-mode', [bad, 'switchdev'])).toThrow(
        /^eswitch-mode: device/,
      )
    }
  })
})
