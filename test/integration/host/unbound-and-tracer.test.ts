import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { HostSnapshot } from '../../../contract/snapshot'
import { startHostWatcher, type HostWatcher } from '../../../main/host/watcher'
import type { SshConnection } from '../../../main/ssh'
import { startLabSession, type LabSession } from './labsim-session'

// Issue 18 on labsim over SSH: an unbound PF stays on its card (no second "card"), and the
// firmware tracer turning off reaches watcher subscribers as a change (it has no devlink event).

describe('unbound PFs and the tracer in the live snapshot', () => {
  let session: LabSession
  let conn: SshConnection
  let watcher: HostWatcher
  const changes: HostSnapshot[] = []
  beforeAll(async () => {
    session = await startLabSession({ speed: 0.01 })
    const name = session.lab.hosts[0]?.name ?? ''
    conn = await session.connect(name)
    watcher = await startHostWatcher(conn, { hostName: name, timeoutMs: 20_000 })
    watcher.onChange((s) => changes.push(s))
  }, 60_000)
  afterAll(async () => {
    watcher?.close()
    await session?.close()
  })

  it('keeps an unbound PF on the card of its slot, beside its bound sibling', async () => {
    const before = watcher.current()
    expect(before.cards?.map((c) => c.devices)).toEqual([['pci/0000:08:00.0', 'pci/0000:08:00.1']])
    const r = await conn.exec(
      'echo 0000:08:00.0 > /sys/bus/pci/devices/0000:08:00.0/driver/unbind',
      {
        timeoutMs: 20_000,
      },
    )
    expect(r.code).toBe(0)
    const after = await watcher.refresh({ fresh: true })
    const pf0 = after.devices.find((d) => d.handle === 'pci/0000:08:00.0')
    expect(pf0?.driver).toBeNull()
    expect(pf0?.eswitch).toBeNull()
    expect(after.cards).toHaveLength(1)
    expect(after.cards?.[0]?.id).toBe(before.cards?.[0]?.id)
    expect(after.cards?.[0]?.devices).toEqual(['pci/0000:08:00.0', 'pci/0000:08:00.1'])
    await conn.exec('echo 0000:08:00.0 > /sys/bus/pci/drivers/mlx5_core/bind', {
      timeoutMs: 20_000,
    })
    await watcher.waitFor(
      (s) => s.devices.find((d) => d.handle === 'pci/0000:08:00.0')?.driver === 'mlx5_core',
      { timeoutMs: 20_000 },
    )
  })

  it('publishes the firmware tracer turning off and on to subscribers', async () => {
    expect(watcher.current().tracer?.enabled).toBe(true)
    const path = '/sys/kernel/debug/tracing/events/mlx5/mlx5_fw/enable'
    for (const on of [false, true]) {
      changes.length = 0
      expect((await conn.exec(`echo ${on ? 1 : 0} > ${path}`, { timeoutMs: 10_000 })).code).toBe(0)
      await watcher.refresh({ fresh: true })
      expect(changes.at(-1)?.tracer?.enabled).toBe(on)
    }
  })
})
