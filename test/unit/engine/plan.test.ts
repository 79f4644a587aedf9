import { parse } from 'shell-quote'
import { describe, expect, it } from 'vitest'

import type { HostSnapshot, OperationRequest } from '../../../contract'
import { faultLine, operationFor } from '../../../main/engine/operations'
import { plan } from '../../../main/engine/plan'
import { lockCommand, lockKey, lockOwner, shellArg } from '../../../main/engine/shell'
import { FakeHost } from '../../helpers/fake-mlx5-host'

// Each operation's module (main/engine/operations/<kind>.ts), reached through the registry.
const commandsFor = (r: OperationRequest, s: HostSnapshot): string[] =>
  operationFor(r).commands(r, s, {})
const preconditionReasons = (r: OperationRequest, s: HostSnapshot): string[] =>
  operationFor(r).precondition(r, s)
function postconditionFor(r: OperationRequest, before: HostSnapshot) {
  const e = operationFor(r).expectation(r, before)
  return e ? (s: HostSnapshot): boolean => e.holds(s) : null
}

function host(setup?: (h: FakeHost) => void): HostSnapshot {
  const h = new FakeHost({ inject: true })
  setup?.(h)
  return h.snapshot()
}

const switchdev2 = host((h) => {
  h.run('echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
  h.run('devlink dev eswitch set pci/0000:08:00.0 mode switchdev')
})
const dev = 'pci/0000:08:00.0'
const where = { hostId: 'h1', target: 'root@127.0.0.1:2222' }

const table: [OperationRequest, string[]][] = [
  [
    { op: 'eswitch-mode', device: dev, mode: 'switchdev' },
    ['devlink dev eswitch set pci/0000:08:00.0 mode switchdev'],
  ],
  [
    {
      op: 'eswitch-mode',
      device: dev,
      mode: 'switchdev',
      inlineMode: 'transport',
      encapMode: 'basic',
    },
    [
      'devlink dev eswitch set pci/0000:08:00.0 mode switchdev inline-mode transport encap-mode basic',
    ],
  ],
  [
    { op: 'vf-count', device: dev, count: 0 },
    ['echo 0 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs'],
  ],
  [
    { op: 'vf-count', device: dev, count: 4 },
    [
      'echo 0 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs',
      'echo 4 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs',
    ],
  ],
  [
    { op: 'pci-unbind', bdf: '0000:08:00.1' },
    ['echo 0000:08:00.1 > /sys/bus/pci/devices/0000:08:00.1/driver/unbind'],
  ],
  [
    { op: 'pci-bind', bdf: '0000:08:00.0', driver: 'mlx5_core' },
    ['echo 0000:08:00.0 > /sys/bus/pci/drivers/mlx5_core/bind'],
  ],
  [{ op: 'pci-reset', bdf: '0000:08:00.2' }, ['echo 1 > /sys/bus/pci/devices/0000:08:00.2/reset']],
  [{ op: 'module', module: 'mlx5_ib', action: 'unload' }, ['modprobe -r mlx5_ib']],
  [{ op: 'module', module: 'mlx5_ib', action: 'load' }, ['modprobe mlx5_ib']],
  [
    { op: 'devlink-reload', device: dev, action: 'fw_activate' },
    ['devlink dev reload pci/0000:08:00.0 action fw_activate'],
  ],
  [
    { op: 'health', device: dev, reporter: 'fw_fatal', action: 'recover' },
    ['devlink health recover pci/0000:08:00.0 reporter fw_fatal'],
  ],
  [
    { op: 'health', device: dev, reporter: 'fw', action: 'diagnose' },
    ['devlink health diagnose pci/0000:08:00.0 reporter fw'],
  ],
  [
    { op: 'health', device: dev, port: 65535, reporter: 'tx', action: 'dump' },
    ['devlink health dump show pci/0000:08:00.0/65535 reporter tx'],
  ],
  [
    { op: 'fw-tracer', enable: true },
    ['echo 1 > /sys/kernel/debug/tracing/events/mlx5/mlx5_fw/enable'],
  ],
  [
    { op: 'fw-tracer', enable: false, path: 'ofed' },
    ['echo 0 > /sys/kernel/debug/tracing/events/mlx5/fw_tracer/enable'],
  ],
  [{ op: 'crdump', device: dev }, ['devlink health dump show pci/0000:08:00.0 reporter fw_fatal']],
  [
    { op: 'crdump', device: dev, source: 'ofed' },
    ['cat /proc/driver/mlx5_core/crdump/0000:08:00.0'],
  ],
  [
    { op: 'mlxconfig', bdf: '0000:08:00.0', action: 'query' },
    ['mlxconfig -d 0000:08:00.0 -e query SW_RECOVERY_ON_ERRORS'],
  ],
  [
    { op: 'mlxconfig', bdf: '0000:08:00.0', action: 'set', swRecoveryOnErrors: true },
    ['mlxconfig -d 0000:08:00.0 -y set SW_RECOVERY_ON_ERRORS=true'],
  ],
  [
    { op: 'fault', device: dev, fault: 'fw-assert' },
    ["echo 'fw-assert pci/0000:08:00.0' > /sys/kernel/debug/labsim/inject"],
  ],
  [
    { op: 'fault', device: dev, fault: 'ib-rep-load-fail', vport: 1 },
    ["echo 'ib-rep-load-fail pci/0000:08:00.0 1' > /sys/kernel/debug/labsim/inject"],
  ],
  [{ op: 'fault', fault: 'disconnect' }, ['echo disconnect > /sys/kernel/debug/labsim/inject']],
  [{ op: 'fault', fault: 'slow' }, ["echo 'slow 4' > /sys/kernel/debug/labsim/inject"]],
]

describe('operation commands', () => {
  it.each(table)('%j', (request, expected) => {
    const snap = request.op === 'vf-count' && request.count === 4 ? switchdev2 : host()
    expect(commandsFor(request, snap)).toEqual(expected)
  })

  it('builds hang/slow lines from options and refuses unsafe ones', () => {
    expect(faultLine({ op: 'fault', fault: 'hang' }, { substring: 'eswitch set' })).toBe(
      'hang eswitch set',
    )
    expect(faultLine({ op: 'fault', fault: 'slow' }, { factor: 2.5 })).toBe('slow 2.5')
    expect(() => faultLine({ op: 'fault', fault: 'hang' }, { substring: "x'; reboot" })).toThrow(
      /plain substring/,
    )
    expect(() => faultLine({ op: 'fault', fault: 'slow' }, { factor: -1 })).toThrow(/factor/)
    expect(() => faultLine({ op: 'fault', fault: 'fw-assert' })).toThrow(/needs a device/)
  })

  it('never produces unquoted shell from hostile words', () => {
    for (const bad of [
      '; rm -rf /',
      '$(reboot)',
      '`reboot`',
      'a\nreboot',
      "x' || true",
      '&& id',
      '>|/etc/passwd',
    ]) {
      const q = shellArg(bad)
      // shell-quote's parser sees exactly one word equal to the input: no operators, no expansion
      expect(parse(q)).toEqual([bad])
      expect(parse(`echo ${q} > /tmp/x`)).toEqual(['echo', bad, { op: '>' }, '/tmp/x'])
    }
  })

  it('builds the remote lock command exactly', () => {
    const owner = lockOwner('alice', 'laptop-1', Date.UTC(2026, 0, 2, 3, 4, 5))
    expect(owner).toBe('alice from laptop-1 since 2026-01-02T03:04:05.000Z')
    expect(lockKey('pci/0000:08:00.0')).toBe('pci_0000_08_00.0')
    expect(lockCommand('pci/0000:08:00.0', owner)).toBe(
      "mkdir -p /run/replab && flock -n -E 75 /run/replab/pci_0000_08_00.0.lock sh -c 'echo \"$0\" > /run/replab/pci_0000_08_00.0.owner && echo locked && exec cat' 'alice from laptop-1 since 2026-01-02T03:04:05.000Z'",
    )
    expect(lockOwner("bob'; reboot", 'DOMAIN\\pc 1', 0)).toBe(
      'bob___reboot from DOMAIN_pc_1 since 1970-01-01T00:00:00.000Z',
    )
  })
})

describe('plan (dry run)', () => {
  it('names host and device, lists the blast radius and marks destruction', () => {
    const p = plan({ op: 'eswitch-mode', device: dev, mode: 'legacy' }, switchdev2, where)
    expect(p.destructive).toBe(true)
    expect(p.precondition).toEqual({ ok: true, reasons: [] })
    expect(p.confirm).toContain('fake-a')
    expect(p.confirm).toContain(dev)
    const names = p.blastRadius.map((b) => `${b.kind}:${b.name}`)
    expect(names).toEqual(
      expect.arrayContaining([
        'representor:enp8s0f0npf0vf0',
        'representor:enp8s0f0npf0vf1',
        'vf:0000:08:00.1',
        'rdma:mlx5_2',
      ]),
    )
  })

  it('a VF reset only names that VF, its netdev representor and nothing of the PF', () => {
    const p = plan({ op: 'pci-reset', bdf: '0000:08:00.2' }, switchdev2, where)
    expect(p.blastRadius.map((b) => b.name)).toEqual(['0000:08:00.2', 'enp8s0f0npf0vf1'])
  })

  it('reports failed preconditions without throwing', () => {
    const cases: [OperationRequest, RegExp][] = [
      [{ op: 'vf-count', device: dev, count: 9 }, /exceed sriov_totalvfs 8/],
      [{ op: 'eswitch-mode', device: 'pci/0000:99:00.0', mode: 'switchdev' }, /not present/],
      [{ op: 'module', module: 'mlx5_ib', action: 'load' }, /already loaded/],
      [{ op: 'pci-bind', bdf: '0000:08:00.0', driver: 'mlx5_core' }, /already bound/],
      [
        { op: 'health', device: dev, reporter: 'tx', port: 3, action: 'recover' },
        /no tx reporter on port 3/,
      ],
      [{ op: 'fault', fault: 'fw-assert' }, /needs a device/],
    ]
    for (const [req, reason] of cases) {
      const p = plan(req, host(), where)
      expect(p.precondition.ok, JSON.stringify(req)).toBe(false)
      expect(p.precondition.reasons.join('; ')).toMatch(reason)
    }
  })

  it('is pure: the same inputs give the same plan', () => {
    const req: OperationRequest = { op: 'vf-count', device: dev, count: 3 }
    expect(plan(req, switchdev2, where)).toEqual(plan(req, switchdev2, where))
  })
})

describe('postconditions', () => {
  it('hold only once the effect is visible', () => {
    const before = host()
    const post = postconditionFor({ op: 'eswitch-mode', device: dev, mode: 'switchdev' }, before)
    expect(post?.(before)).toBe(false)
    const h = new FakeHost()
    h.run('devlink dev eswitch set pci/0000:08:00.0 mode switchdev')
    expect(post?.(h.snapshot())).toBe(true)
    const vfs = postconditionFor({ op: 'vf-count', device: dev, count: 2 }, before)
    expect(vfs?.(h.snapshot())).toBe(false)
    h.run('echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
    expect(vfs?.(h.snapshot())).toBe(true)
    const unbind = postconditionFor({ op: 'pci-unbind', bdf: '0000:08:00.0' }, before)
    expect(unbind?.(h.snapshot())).toBe(false)
    h.run('echo 0000:08:00.0 > /sys/bus/pci/devices/0000:08:00.0/driver/unbind')
    expect(unbind?.(h.snapshot())).toBe(true)
    expect(postconditionFor({ op: 'crdump', device: dev }, before)).toBeNull()
  })

  it('precondition of unload needs the module loaded', () => {
    const h = new FakeHost()
    h.run('modprobe -r mlx5_ib')
    expect(
      preconditionReasons({ op: 'module', module: 'mlx5_ib', action: 'unload' }, h.snapshot()),
    ).toEqual(['mlx5_ib is not loaded'])
  })
})
