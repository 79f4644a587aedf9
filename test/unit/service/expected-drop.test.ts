import { describe, expect, it } from 'vitest'

import type { OperationRequest } from '../../../contract'
import { createEngine } from '../../../main/engine'
import { operationFor } from '../../../main/engine/operations'
import type { CommandRunner } from '../../../main/engine/ports'
import { watchExpectedDrops } from '../../../main/service/expected-drop'
import { FakeHost } from '../../helpers/fake-mlx5-host'
import { FakeRunner, FakeSource, MemoryJournal } from '../engine/fake-ports'

// Which commands drop the device is each operation module's `dropReason`; the engine passes it
// with the command (ExecOptions.drop) and the service's runner wrapper parks the panes on it.
// These tests drive the real modules and the real engine over the fake host.

const PF = 'pci/0000:08:00.0'
const snap = new FakeHost().snapshot()
const dropOf = (r: OperationRequest): string | null => operationFor(r).dropReason(r, snap)

/** An engine whose runner is wrapped like engine-bridge.ts wraps the control connection. */
function rig(host = new FakeHost({ inject: true })) {
  const seen: string[] = []
  const inner = new FakeRunner(host)
  const logged: CommandRunner = {
    target: inner.target,
    exec: async (command, options) => {
      seen.push(`run ${command}`)
      return inner.exec(command, options)
    },
    stream: (command, options) => inner.stream(command, options),
  }
  const runner = watchExpectedDrops(logged, (reason) => seen.push(`drop ${reason}`))
  const engine = createEngine({
    runnerFor: () => runner,
    snapshotSourceFor: () => new FakeSource(host),
    journal: new MemoryJournal(),
    consoleIdentity: { user: 'alice', host: 'laptop' },
  })
  return { host, engine, seen, runner }
}

describe('expected drops', () => {
  it('names the device drops the engine causes', () => {
    expect(dropOf({ op: 'pci-unbind', bdf: '0000:08:00.0' })).toBe('PCI unbind of 0000:08:00.0')
    expect(dropOf({ op: 'pci-bind', bdf: '0000:08:00.0', driver: 'mlx5_core' })).toBe(
      'PCI bind of 0000:08:00.0 to mlx5_core',
    )
    expect(dropOf({ op: 'pci-reset', bdf: '0000:08:00.2' })).toBe(
      'function reset (FLR) of 0000:08:00.2',
    )
    expect(dropOf({ op: 'module', module: 'mlx5_core', action: 'unload' })).toBe('mlx5_core unload')
    expect(dropOf({ op: 'module', module: 'mlx5_core', action: 'load' })).toBe('mlx5_core load')
    expect(dropOf({ op: 'devlink-reload', device: PF, action: 'driver_reinit' })).toBe(
      'devlink reload of pci/0000:08:00.0',
    )
    expect(dropOf({ op: 'health', device: PF, reporter: 'fw_fatal', action: 'recover' })).toBe(
      'health recovery of pci/0000:08:00.0',
    )
    // a tx reporter recovers its queues in place: the device stays (mlx5 en/reporter_tx.c)
    expect(
      dropOf({ op: 'health', device: PF, port: 65535, reporter: 'tx', action: 'recover' }),
    ).toBeNull()
    expect(dropOf({ op: 'fault', fault: 'fw-assert', device: PF })).toBe(
      'firmware fatal error injected on pci/0000:08:00.0',
    )
  })

  it('leaves reads, mode changes, VF counts and mlx5_ib alone', () => {
    for (const r of [
      { op: 'eswitch-mode', device: PF, mode: 'switchdev' },
      { op: 'vf-count', device: PF, count: 2 },
      { op: 'module', module: 'mlx5_ib', action: 'unload' },
      { op: 'health', device: PF, reporter: 'fw_fatal', action: 'diagnose' },
      { op: 'crdump', device: PF },
      { op: 'fault', fault: 'slow' },
    ] as OperationRequest[]) {
      expect(dropOf(r), JSON.stringify(r)).toBeNull()
    }
  })

  it('the engine tells before the command runs, and only for commands that drop', async () => {
    const { engine, seen } = rig()
    const vfs = await engine.runOperation('fake', { op: 'vf-count', device: PF, count: 2 })
    expect(vfs.status).toBe('ok')
    expect(seen.filter((l) => l.startsWith('drop'))).toEqual([])
    seen.length = 0
    const unbind = await engine.runOperation('fake', { op: 'pci-unbind', bdf: '0000:08:00.1' })
    expect(unbind.status).toBe('ok')
    expect(seen).toEqual([
      'drop PCI unbind of 0000:08:00.1',
      'run echo 0000:08:00.1 > /sys/bus/pci/devices/0000:08:00.1/driver/unbind',
    ])
  })

  it('a drill announces the drops of its steps (pf-rebind: unbind and bind of the PF)', async () => {
    const { engine, seen } = rig()
    const report = await engine.runDrill({
      hostId: 'fake',
      kind: 'pf-rebind',
      device: PF,
      params: { iterations: 1, timeoutMs: 2000, stopOnFailure: false, vfs: 2 },
    })
    expect(report.status).toBe('passed')
    const unbind = seen.indexOf('drop unbind of pci/0000:08:00.0')
    expect(unbind).toBeGreaterThanOrEqual(0)
    expect(seen[unbind + 1]).toBe(
      'run echo 0000:08:00.0 > /sys/bus/pci/devices/0000:08:00.0/driver/unbind',
    )
    const bind = seen.indexOf('drop bind of pci/0000:08:00.0')
    expect(bind).toBeGreaterThan(unbind)
    expect(seen[bind + 1]).toBe('run echo 0000:08:00.0 > /sys/bus/pci/drivers/mlx5_core/bind')
  })

  it('passes everything through, and says nothing without a drop reason', async () => {
    const { runner, seen } = rig()
    await runner.exec('true', { timeoutMs: 1000 })
    await runner.exec('true', { timeoutMs: 1000, drop: 'test drop' })
    expect(seen).toEqual(['run true', 'drop test drop', 'run true'])
    expect(runner.target).toBe('root@127.0.0.1:2222')
  })
})
