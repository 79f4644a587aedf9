import { describe, expect, it } from 'vitest'

import type { DrillProgress } from '../../../contract/drills'
import type { Device, HostSnapshot, Port } from '../../../contract/snapshot'
import { needsDriver, modeName } from '../../../renderer/features/device/driver-gate'
import { namePortKeys, portLabel } from '../../../renderer/features/device/port-names'
import { resolveShown } from '../../../renderer/features/device/selection'
import { fleetLines, cardModel } from '../../../renderer/features/hosts/fleet'
import { noticeText, shouldNotify } from '../../../renderer/features/notify/drill-notice'
import { changeText, outputFileName } from '../../../renderer/features/ops/result-view'

const port = (p: Partial<Port> & Pick<Port, 'index' | 'flavour'>): Port => ({
  netdev: null,
  ibRep: null,
  ...p,
})
const pf0: Device = {
  handle: 'pci/0000:08:00.0',
  driver: 'mlx5_core',
  pci: { bdf: '0000:08:00.0', deviceId: '101d', numvfs: 2, totalvfs: 8, vfs: [] },
  eswitch: { mode: 'switchdev' },
  ports: [
    port({ index: 65535, flavour: 'physical', pfnum: 0, physPortName: 'p0' }),
    port({ index: 1, flavour: 'pcivf', pfnum: 0, vfnum: 0 }),
  ],
  health: [{ reporter: 'fw_fatal', state: 'error', error: 1, recover: 0 }],
}
const pf1: Device = {
  ...pf0,
  handle: 'pci/0000:08:00.1',
  driver: null,
  eswitch: null,
  ports: [],
  health: [],
  pci: { ...pf0.pci!, bdf: '0000:08:00.1', numvfs: 0 },
}
const snap: HostSnapshot = {
  takenAt: '2026-01-01T00:00:00.000Z',
  host: { name: 'sim-a', kernel: '6.12', modules: { mlx5_core: true, mlx5_ib: true } },
  devices: [pf0, pf1],
  rdma: [],
  cards: [
    {
      id: 'sn/X',
      model: 'Mellanox Technologies MT2892 Family [ConnectX-6 Dx]',
      devices: [pf0.handle, pf1.handle],
    },
  ],
}

describe('ports by flavour', () => {
  it('names uplink, PF, VF and SF ports, never the raw index alone', () => {
    expect(portLabel(pf0.ports[0]!)).toBe('uplink p0')
    expect(portLabel(port({ index: 3, flavour: 'pcipf', pfnum: 1 }))).toBe('pf1')
    expect(portLabel(port({ index: 4, flavour: 'pcivf', pfnum: 0, vfnum: 3 }))).toBe('pf0vf3')
    expect(portLabel(port({ index: 5, flavour: 'pcisf', pfnum: 0, sfnum: 88 }))).toBe('pf0sf88')
    expect(portLabel(port({ index: 65535, flavour: 'physical' }))).toBe('uplink port 65535')
  })

  it('rewrites port keys in diff and blast-radius text, and only those', () => {
    expect(namePortKeys('pci/0000:08:00.0/65535', snap)).toBe('pci/0000:08:00.0 uplink p0')
    expect(namePortKeys('pci/0000:08:00.0/1/tx', snap)).toBe('pci/0000:08:00.0 pf0vf0/tx')
    expect(namePortKeys('pci/0000:08:00.0/9', snap)).toBe('pci/0000:08:00.0 port 9')
    const cmd = 'echo 1 > /sys/bus/pci/devices/0000:08:00.0/reset'
    expect(namePortKeys(cmd, snap)).toBe(cmd)
  })

  it('reads changes as old → new with ports named', () => {
    expect(
      changeText(
        {
          kind: 'changed',
          entity: 'eswitch',
          key: 'pci/0000:08:00.0',
          field: 'mode',
          before: 'legacy',
          after: 'switchdev',
        },
        snap,
      ),
    ).toBe('eswitch pci/0000:08:00.0 mode: legacy → switchdev')
    expect(
      changeText({ kind: 'removed', entity: 'port', key: 'pci/0000:08:00.0/65535' }, snap),
    ).toBe('port pci/0000:08:00.0 uplink p0: removed')
    expect(
      changeText(
        {
          kind: 'changed',
          entity: 'vf',
          key: 'pci/0000:08:00.0/vf0',
          field: 'driver',
          before: 'mlx5_core',
          after: null,
        },
        snap,
      ),
    ).toBe('vf pci/0000:08:00.0/vf0 driver: mlx5_core → ∅')
  })

  it('names saved output by host, subject, action and time', () => {
    const at = new Date('2026-03-04T05:06:07.890Z')
    expect(outputFileName('sim-a', { op: 'crdump', device: 'pci/0000:08:00.0' }, at)).toBe(
      'sim-a-pci_0000_08_00.0-crdump-2026-03-04T050607Z.txt',
    )
    expect(
      outputFileName(
        'sim-a',
        { op: 'health', device: 'pci/0000:08:00.0', reporter: 'fw', action: 'dump' },
        at,
      ),
    ).toMatch(/^sim-a-.*-fw-dump-/)
  })
})

describe('selection, driver gate, fleet lines and drill notices', () => {
  it('keeps the chosen handle even when the snapshot lacks it', () => {
    expect(resolveShown(null, snap)).toEqual({ handle: pf0.handle, device: pf0 })
    expect(resolveShown(pf1.handle, snap)?.device).toBe(pf1)
    expect(resolveShown('pci/0000:09:00.0', snap)).toEqual({
      handle: 'pci/0000:09:00.0',
      device: null,
    })
    expect(resolveShown(null, undefined)).toBeNull()
  })

  it('says what needs a driver and reports mode none', () => {
    expect(needsDriver(pf1, 'Devlink reload')).toBe(
      'Devlink reload needs a bound driver: bind the PF first',
    )
    expect(needsDriver(pf0, 'Devlink reload')).toBeNull()
    expect(modeName(pf1)).toBe('none')
  })

  it('summarises cards, PFs and unhealthy reporters', () => {
    expect(cardModel(snap.cards?.[0]?.model)).toBe('ConnectX-6 Dx')
    expect(fleetLines(snap).map((l) => l.text)).toEqual([
      'ConnectX-6 Dx',
      '08:00.0 switchdev · 2 VFs',
      '08:00.1 none (unbound) · 0 VFs',
      'fw_fatal error on 08:00.0',
    ])
  })

  it('notifies the end of a drill the user is not watching', () => {
    const p = {
      runId: 'r1',
      hostId: 'sim-b',
      iteration: 1,
      iterations: 1,
      findings: [],
      status: 'passed',
    } as unknown as DrillProgress
    expect(shouldNotify(p, { hostId: 'sim-a', tab: 'devices', runId: null }, false)).toBe(true)
    expect(shouldNotify(p, { hostId: 'sim-b', tab: 'drills', runId: 'r1' }, false)).toBe(false)
    expect(shouldNotify(p, { hostId: 'sim-b', tab: 'drills', runId: 'r1' }, true)).toBe(true)
    expect(
      shouldNotify({ ...p, status: 'running' }, { hostId: null, tab: 'x', runId: null }, true),
    ).toBe(false)
    expect(noticeText('VF reset isolation', p)).toBe('Drill VF reset isolation on sim-b passed')
  })
})
