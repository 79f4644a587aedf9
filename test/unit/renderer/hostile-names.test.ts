import { describe, expect, it } from 'vitest'

import type { Device, HostSnapshot } from '../../../contract'
import { buildRows } from '../../../renderer/features/device/rows'

// Issue 20: a representor named with control characters (Linux accepts `\e[2K` in a netdev
// name) is shown escaped in the representors table and the topology, never as raw bytes.
describe('hostile names in the representors table', () => {
  it('shows ESC as \\e and other controls as \\xNN', () => {
    const device: Device = {
      handle: 'pci/0000:08:00.0',
      driver: 'mlx5_core',
      pci: null,
      eswitch: { mode: 'switchdev' },
      health: [],
      ports: [
        { index: 1, flavour: 'pcivf', netdev: 'r\x1b[2K\x07', vfnum: 0, pfnum: 0, ibRep: null },
      ],
    }
    const snap: HostSnapshot = {
      takenAt: '2026-01-01T00:00:00Z',
      host: { name: 'h', kernel: '6.12', modules: { mlx5_core: true, mlx5_ib: false } },
      devices: [device],
      rdma: [],
    }
    expect(buildRows(device, snap)[0]?.netdev).toBe('r\\e[2K\\x07')
  })
})
