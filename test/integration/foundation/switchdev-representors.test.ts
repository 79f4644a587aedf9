import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startLab, type Lab } from '../../../labsim'
import { discover } from '../../../main/host/discover'
import { connectHost, resolveTarget, type SshConnection } from '../../../main/ssh'

// Issue 2, item 7: labsim over real SSH (ssh2 client, host key pinned to labsim's announced
// fingerprint), PF0 to switchdev with 4 VFs, then discovery shows the uplink and 4 pcivf ports
// with their representor netdevs (docs/domain.md §1.4, §1.7).
describe('foundation: switchdev with 4 VFs over SSH to labsim', () => {
  let lab: Lab
  let conn: SshConnection
  let dir: string

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, speed: 0.02 })
    dir = await mkdtemp(join(tmpdir(), 'replab-found-'))
    const h = lab.hosts[0]!
    const target = await resolveTarget(`root@127.0.0.1:${h.port}`, {
      configFile: null,
      identityFile: h.identityFile,
    })
    conn = await connectHost(target, {
      knownHosts: { file: join(dir, 'known_hosts'), userFile: null },
      hostKeyPolicy: async (q) => (q.fingerprint === h.hostKeyFingerprint ? 'trust' : 'reject'),
      reconnect: false,
    })
  })
  afterAll(async () => {
    conn?.close()
    await lab?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('discovers the uplink and four VF representors with their netdevs', async () => {
    const pf = '/sys/bus/pci/devices/0000:08:00.0'
    expect(
      (
        await conn.exec('devlink dev eswitch set pci/0000:08:00.0 mode switchdev', {
          timeoutMs: 20_000,
        })
      ).code,
    ).toBe(0)
    expect((await conn.exec(`echo 4 > ${pf}/sriov_numvfs`, { timeoutMs: 20_000 })).code).toBe(0)
    expect((await conn.exec(`cat ${pf}/sriov_numvfs`, { timeoutMs: 5_000 })).stdout.trim()).toBe(
      '4',
    )

    const snapshot = await discover(conn, { hostName: 'sim-a', timeoutMs: 30_000 })
    expect(snapshot.stats?.roundTrips).toBe(1)
    const dev = snapshot.devices.find((d) => d.handle === 'pci/0000:08:00.0')!
    expect(dev.eswitch?.mode).toBe('switchdev')
    expect(dev.pci?.numvfs).toBe(4)
    const uplink = dev.ports.filter((p) => p.flavour === 'physical')
    expect(uplink).toHaveLength(1)
    expect(uplink[0]).toMatchObject({ index: 65535, netdev: 'enp8s0f0np0', physPortName: 'p0' })
    const vfReps = dev.ports
      .filter((p) => p.flavour === 'pcivf')
      .sort((a, b) => (a.vfnum ?? 0) - (b.vfnum ?? 0))
    expect(vfReps.map((p) => [p.index, p.vfnum, p.netdev])).toEqual([
      [1, 0, 'enp8s0f0npf0vf0'],
      [2, 1, 'enp8s0f0npf0vf1'],
      [3, 2, 'enp8s0f0npf0vf2'],
      [4, 3, 'enp8s0f0npf0vf3'],
    ])
    // The other PF is untouched.
    const pf1 = snapshot.devices.find((d) => d.handle === 'pci/0000:08:00.1')!
    expect(pf1.eswitch?.mode).toBe('legacy')
    expect(pf1.ports.filter((p) => p.flavour === 'pcivf')).toHaveLength(0)
  })
})
