import { describe, expect, it } from 'vitest'

import type { HostSnapshot, OperationRequest } from '../../../contract'
import { commandsFor } from '../../../main/engine/op-commands'
import { expectedDrop, watchExpectedDrops } from '../../../main/service/expected-drop'

// The commands are the engine's own (op-commands.ts), so a change in how it spells them breaks
// this test rather than silently stopping the panes from parking.
const none = {} as HostSnapshot
const cmd = (r: OperationRequest): string => commandsFor(r, none).join('; ')

describe('expectedDrop', () => {
  it('names the device drops the engine causes', () => {
    expect(expectedDrop(cmd({ op: 'pci-unbind', bdf: '0000:08:00.0' }))).toBe(
      'PCI unbind of 0000:08:00.0',
    )
    expect(expectedDrop(cmd({ op: 'pci-bind', bdf: '0000:08:00.0', driver: 'mlx5_core' }))).toBe(
      'PCI bind of 0000:08:00.0 to mlx5_core',
    )
    expect(expectedDrop(cmd({ op: 'pci-reset', bdf: '0000:08:00.2' }))).toBe(
      'function reset (FLR) of 0000:08:00.2',
    )
    expect(expectedDrop(cmd({ op: 'module', module: 'mlx5_core', action: 'unload' }))).toBe(
      'mlx5_core unload',
    )
    expect(
      expectedDrop(
        cmd({ op: 'devlink-reload', device: 'pci/0000:08:00.0', action: 'driver_reinit' }),
      ),
    ).toBe('devlink reload of pci/0000:08:00.0')
    expect(
      expectedDrop(
        cmd({ op: 'health', device: 'pci/0000:08:00.0', reporter: 'fw_fatal', action: 'recover' }),
      ),
    ).toBe('health recovery of pci/0000:08:00.0')
    expect(expectedDrop(cmd({ op: 'fault', fault: 'fw-assert', device: 'pci/0000:08:00.0' }))).toBe(
      'firmware fatal error injected on pci/0000:08:00.0',
    )
  })

  it('leaves reads, mode changes, VF counts and mlx5_ib alone', () => {
    for (const r of [
      { op: 'eswitch-mode', device: 'pci/0000:08:00.0', mode: 'switchdev' },
      { op: 'module', module: 'mlx5_ib', action: 'unload' },
      { op: 'health', device: 'pci/0000:08:00.0', reporter: 'fw_fatal', action: 'diagnose' },
    ] as OperationRequest[]) {
      expect(expectedDrop(cmd(r)), cmd(r)).toBeNull()
    }
    expect(expectedDrop('cat /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')).toBeNull()
  })

  it('tells before the command runs, and passes everything through', async () => {
    const seen: string[] = []
    const runner = watchExpectedDrops(
      {
        target: 'root@lab:22',
        exec: async (command) => {
          seen.push(`run ${command}`)
          return { code: 0, stdout: '', stderr: '', durationMs: 1 } as never
        },
        stream: () => {
          throw new Error('unused')
        },
      },
      (reason) => seen.push(`drop ${reason}`),
    )
    await runner.exec(cmd({ op: 'pci-unbind', bdf: '0000:08:00.0' }), { timeoutMs: 1000 })
    await runner.exec('true', { timeoutMs: 1000 })
    expect(seen).toEqual([
      'drop PCI unbind of 0000:08:00.0',
      'run echo 0000:08:00.0 > /sys/bus/pci/devices/0000:08:00.0/driver/unbind',
      'run true',
    ])
    expect(runner.target).toBe('root@lab:22')
  })
})
