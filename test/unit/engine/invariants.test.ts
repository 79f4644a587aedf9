import { describe, expect, it } from 'vitest'

import type { HostSnapshot } from '../../../contract'
import { kmsgAfter, parseKmsg } from '../../../main/engine/dmesg'
import {
  checkEthReps,
  checkFatalRecovery,
  checkIbReps,
  checkIsolation,
  checkLegacy,
  checkSplats,
  checkStructure,
} from '../../../main/engine/invariants'
import { FakeHost } from '../../helpers/fake-mlx5-host'

const dev = 'pci/0000:08:00.0'
const at = { step: 's', iteration: 1 }

/** switchdev, 2 VFs, mlx5_ib loaded, all reps consistent. */
function healthy(): HostSnapshot {
  const h = new FakeHost()
  h.run('echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
  h.run('devlink dev eswitch set pci/0000:08:00.0 mode switchdev')
  return h.snapshot()
}

function edit(s: HostSnapshot, fn: (s: HostSnapshot) => void): HostSnapshot {
  const copy = structuredClone(s)
  fn(copy)
  return copy
}

function port(s: HostSnapshot, vf: number) {
  const p = s.devices[0]?.ports.find((x) => x.vfnum === vf)
  if (!p) throw new Error('no port')
  return p
}

describe('structural invariants', () => {
  it('hold on a consistent switchdev host', () => {
    expect(checkStructure(healthy(), dev, at)).toEqual([])
  })

  it('names the missing IB representors (pre-series late load shape, docs/domain.md §4.1)', () => {
    const s = edit(healthy(), (x) => {
      x.rdma = []
      x.devices[0]?.ports.forEach((p) => (p.ibRep = null))
    })
    const f = checkIbReps(s, dev, at)
    expect(f).toHaveLength(1)
    expect(f[0]?.invariant).toBe('ib-reps')
    expect(f[0]?.message).toBe(
      'IB representors missing for enp8s0f0np0 (pci/0000:08:00.0/65535), enp8s0f0npf0vf0 (pci/0000:08:00.0/1), enp8s0f0npf0vf1 (pci/0000:08:00.0/2)',
    )
  })

  it('names the ETH representor that vanished after an unwind (docs/domain.md §4.3)', () => {
    const s = edit(healthy(), (x) => {
      port(x, 1).netdev = null
      x.rdma = x.rdma.filter((l) => l.netdev !== 'enp8s0f0npf0vf1')
    })
    const f = checkEthReps(s, dev, at)
    expect(f.map((x) => x.message)).toEqual([
      'ETH representor of VF 1 vanished: port pci/0000:08:00.0/2 has no netdev',
    ])
    expect(f[0]?.evidence).toContain('"vfnum":1')
  })

  it('flags an IB port without its ETH representor', () => {
    const noNetdev = edit(healthy(), (x) => {
      port(x, 0).netdev = null
    })
    expect(checkIbReps(noNetdev, dev, at).map((f) => f.invariant)).toContain(
      'ib-rep-without-eth-rep',
    )
    const stale = edit(healthy(), (x) => {
      x.rdma.push({ device: 'mlx5_2', port: 9, netdev: 'eth7', state: 'ACTIVE' })
    })
    expect(checkIbReps(stale, dev, at).map((f) => f.message)).toEqual([
      'IB port mlx5_2/9 points at eth7, which is not an ETH representor',
    ])
  })

  it('flags a representor on two IB devices', () => {
    const s = edit(healthy(), (x) => {
      x.rdma.push({ device: 'mlx5_9', port: 1, netdev: 'enp8s0f0npf0vf0', state: 'ACTIVE' })
    })
    expect(checkIbReps(s, dev, at).some((f) => /sits on 2 IB devices/.test(f.message))).toBe(true)
  })

  it('skips the IB check while mlx5_ib is unloaded', () => {
    const s = edit(healthy(), (x) => {
      x.rdma = []
      x.host.modules.mlx5_ib = false
    })
    expect(checkIbReps(s, dev, at)).toEqual([])
  })

  it('flags VF representor ports in legacy', () => {
    const s = edit(healthy(), (x) => {
      const d = x.devices[0]
      if (d?.eswitch) d.eswitch.mode = 'legacy'
    })
    expect(checkLegacy(s, dev, at).map((f) => f.invariant)).toEqual(['legacy-no-vf-reps'])
    expect(checkLegacy(new FakeHost().snapshot(), dev, at)).toEqual([])
  })
})

describe('isolation and fatal recovery', () => {
  it('accepts a reset that only touched the VF, flags PF ifindex changes and flaps', () => {
    const before = healthy()
    const vfOnly = edit(before, (x) => {
      const n = x.netdevs?.find((i) => i.ifname === 'enp8s0f0v0')
      if (n) n.ifindex = 999
    })
    expect(checkIsolation(before, vfOnly, [], dev, '0000:08:00.1', at)).toEqual([])
    const pfMoved = edit(before, (x) => {
      const n = x.netdevs?.find((i) => i.ifname === 'enp8s0f0np0')
      if (n) n.ifindex = 998
    })
    expect(checkIsolation(before, pfMoved, [], dev, '0000:08:00.1', at)[0]?.message).toMatch(
      /^enp8s0f0np0 changed ifindex \d+ → 998 during the reset of 0000:08:00.1$/,
    )
    const flap = [
      {
        kind: 'changed' as const,
        entity: 'netdev' as const,
        key: 'enp8s0f0v1',
        field: 'operstate',
        before: 'UP',
        after: 'DOWN',
      },
    ]
    expect(checkIsolation(before, before, flap, dev, '0000:08:00.1', at)[0]?.message).toBe(
      'enp8s0f0v1 flapped during the reset of 0000:08:00.1',
    )
  })

  it('requires fw_fatal error and recover to move and the reporter healthy', () => {
    const before = healthy()
    const bump = (e: number, r: number, state = 'healthy') =>
      edit(before, (x) => {
        const h = x.devices[0]?.health[0]
        if (h) Object.assign(h, { error: e, recover: r, state })
      })
    expect(checkFatalRecovery(before, bump(1, 1), dev, at)).toEqual([])
    expect(checkFatalRecovery(before, bump(1, 0, 'error'), dev, at).map((f) => f.message)).toEqual([
      'fw_fatal recover counter did not move (0 → 0)',
      'fw_fatal reporter is error, not healthy',
    ])
    const gone = edit(before, (x) => (x.devices = []))
    expect(checkFatalRecovery(before, gone, dev, at)[0]?.message).toMatch(/did not come back/)
  })
})

describe('dmesg delta and splats', () => {
  const log = [
    '[  10.000001] a',
    '[  11.500000] mlx5_core 0000:08:00.0: E-Switch: Enable',
    '[  12.000000] WARNING: CPU: 3 PID: 1 at x',
    '[  12.000001] Call Trace:',
    ' <TASK>',
  ]

  it('returns only records after the sequence cursor, counts overwritten ones, restarts on reboot', () => {
    const kmsg = [
      '6,40,10000001,-;a',
      ' SUBSYSTEM=pci',
      '6,41,11500000,-;mlx5_core 0000:08:00.0: E-Switch: Enable',
      '4,42,12000000,-;WARNING: CPU: 3 PID: 1 at x',
      '4,43,12000001,-;Call Trace:',
    ].join('\n')
    const records = parseKmsg(kmsg)
    const first = kmsgAfter(records.slice(0, 2), undefined)
    expect(first).toMatchObject({ cursor: 41, lost: 0 })
    const next = kmsgAfter(records, first.cursor)
    expect(next.lines).toEqual([
      '[   12.000000] WARNING: CPU: 3 PID: 1 at x',
      '[   12.000001] Call Trace:',
    ])
    expect(kmsgAfter(records, next.cursor).lines).toEqual([])
    // The ring wrapped: the oldest record left is 42, the cursor was at 38.
    expect(kmsgAfter(records.slice(2), 38)).toMatchObject({ lost: 3, lostRange: [39, 41] })
    expect(kmsgAfter(parseKmsg('6,0,1000000,-;rebooted'), 43).lines).toEqual([
      '[    1.000000] rebooted',
    ])
  })

  it('finds each splat once with its context', () => {
    const f = checkSplats(log, at)
    expect(f).toHaveLength(1)
    expect(f[0]?.severity).toBe('fatal')
    expect(f[0]?.evidence).toContain('Call Trace')
    for (const s of [
      'possible circular locking dependency detected',
      'BUG: KASAN: use-after-free',
      'INFO: task kworker blocked for more than 122 seconds.',
    ]) {
      expect(checkSplats([`[ 1.0] ${s}`], at)).toHaveLength(1)
    }
    expect(checkSplats(['[ 1.0] mlx5_core: health recovery succeeded'], at)).toEqual([])
    const separated = [
      '[ 2.0] WARNING: possible circular locking dependency detected',
      '[ 2.0] kworker/0:1 is trying to acquire lock:',
      '[ 2.0]  (&esw->reps_lock){+.+.}',
      '[ 2.0] Call Trace:',
      '[ 9.0] Call Trace:',
    ]
    expect(checkSplats(separated, at)).toHaveLength(1)
  })
})
