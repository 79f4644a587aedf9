import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HostSnapshot, type Device } from '../../../contract/snapshot'
import { discover } from '../../../main/host/discover'
import { startHostWatcher, type HostWatcher } from '../../../main/host/watcher'
import type { SshConnection } from '../../../main/ssh'
import { poll } from '../../helpers/poll'
import { startLabSession, type LabSession } from './labsim-session'

// Discovery and live updates over real SSH (main/ssh, verified host keys) to labsim.

const PFS = ['0000:08:00.0', '0000:08:00.1', '0000:3b:00.0', '0000:3b:00.1']

describe('discovery of 4 PFs x 127 VFs in switchdev over SSH to labsim', () => {
  let session: LabSession
  let conn: SshConnection
  beforeAll(async () => {
    session = await startLabSession({
      speed: 0.0005,
      scenario: {
        hosts: [
          {
            cards: [
              { ports: 2, totalVfs: 127 },
              { ports: 2, totalVfs: 127 },
            ],
          },
        ],
      },
    })
    conn = await session.connect(session.lab.hosts[0]?.name ?? '')
    for (const bdf of PFS) {
      const esw = await conn.exec(`devlink dev eswitch set pci/${bdf} mode switchdev`, {
        timeoutMs: 30_000,
      })
      expect(esw.code).toBe(0)
      const vfs = await conn.exec(`echo 127 > /sys/bus/pci/devices/${bdf}/sriov_numvfs`, {
        timeoutMs: 60_000,
      })
      expect(vfs.code).toBe(0)
    }
  }, 120_000)
  afterAll(() => session?.close())

  it('reads everything in one round trip with every relation derived', async () => {
    let execs = 0
    const counting = Object.assign(Object.create(conn) as SshConnection, {
      exec: (c: string, o: Parameters<SshConnection['exec']>[1]) => {
        execs++
        return conn.exec(c, o)
      },
    })
    const snap = await discover(counting, { hostName: 'sim-a', timeoutMs: 100_000 })
    expect(execs).toBe(1)
    expect(snap.stats?.roundTrips).toBe(1)
    expect(snap.errors).toEqual([])
    expect(HostSnapshot.safeParse(snap).success).toBe(true)
    const pfs = PFS.map((bdf) => snap.devices.find((d) => d.handle === `pci/${bdf}`))
    for (const pf of pfs) checkPf(pf)
    expect(snap.cards?.map((c) => c.devices.length)).toEqual([2, 2])
    // Every VF rep netdev sits on a port of the IB representor device.
    const reps = pfs.flatMap((pf) => pf?.ports.filter((p) => p.flavour === 'pcivf') ?? [])
    expect(reps).toHaveLength(4 * 127)
    expect(reps.every((p) => p.ibRep !== null)).toBe(true)
  }, 120_000)
})

function checkPf(pf: Device | undefined): void {
  expect(pf?.eswitch?.mode).toBe('switchdev')
  expect(pf?.pci?.numvfs).toBe(127)
  expect(pf?.pci?.vfs).toHaveLength(127)
  const vfPorts = pf?.ports.filter((p) => p.flavour === 'pcivf') ?? []
  expect(vfPorts).toHaveLength(127)
  expect(new Set(vfPorts.map((p) => p.vfBdf)).size).toBe(127)
  expect(vfPorts.every((p) => p.netdev !== null && p.physPortName?.endsWith(`vf${p.vfnum}`))).toBe(
    true,
  )
  expect(pf?.ports.filter((p) => p.flavour === 'physical')).toHaveLength(1)
}

describe('live updates from labsim monitors', () => {
  let session: LabSession
  let conn: SshConnection
  let watcher: HostWatcher
  beforeAll(async () => {
    session = await startLabSession({ speed: 0.01 })
    const name = session.lab.hosts[0]?.name ?? ''
    conn = await session.connect(name)
    watcher = await startHostWatcher(conn, { hostName: name, timeoutMs: 20_000 })
    const host = session.lab.host(name)
    await poll(
      () =>
        ['devlink -j monitor', 'ip -j monitor link'].every((m) =>
          host.commandLog.some((e) => e.command === m),
        ),
      { timeoutMs: 10_000, what: 'both monitors running on the host' },
    )
  }, 60_000)
  afterAll(async () => {
    watcher?.close()
    await session?.close()
  })

  it('the snapshot shows a mode change within 200 ms of the command completing (median of 3)', async () => {
    const pf = 'pci/0000:08:00.0'
    const modeOf = (s: HostSnapshot): string | undefined =>
      s.devices.find((d) => d.handle === pf)?.eswitch?.mode
    expect(modeOf(watcher.current())).toBe('legacy')
    const latencies: number[] = []
    for (const mode of ['switchdev', 'legacy', 'switchdev']) {
      const seen = watcher.waitFor((s) => modeOf(s) === mode, { timeoutMs: 10_000 })
      const r = await conn.exec(`devlink dev eswitch set ${pf} mode ${mode}`, { timeoutMs: 20_000 })
      expect(r.code).toBe(0)
      const doneAt = performance.now()
      await seen
      latencies.push(performance.now() - doneAt)
      // Let the slow stage (sysfs walk) finish so the next flip starts from a quiet watcher.
      await watcher.refresh()
    }
    latencies.sort((a, b) => a - b)
    expect(latencies[1]).toBeLessThan(200)
  })

  it('new VFs appear through the event path (VF ports, then VF PCI functions)', async () => {
    const pf = 'pci/0000:08:00.0'
    const ports = watcher.waitFor(
      (s) =>
        (s.devices.find((d) => d.handle === pf)?.ports.filter((p) => p.flavour === 'pcivf')
          .length ?? 0) === 2,
      { timeoutMs: 10_000 },
    )
    const vfs = watcher.waitFor(
      (s) => s.devices.find((d) => d.handle === pf)?.pci?.vfs.length === 2,
      {
        timeoutMs: 10_000,
      },
    )
    await conn.exec('echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs', {
      timeoutMs: 20_000,
    })
    const doneAt = performance.now()
    await ports
    // Event-driven, not the polling fallback (whose first interval is 1000 ms).
    expect(performance.now() - doneAt).toBeLessThan(1000)
    await vfs
  })
})
