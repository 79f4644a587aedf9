import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startLab, type Lab } from '../../../labsim'
import { createEngine, type Engine } from '../../../main/engine'
import type { CommandRunner } from '../../../main/host/ports'
import { startHostWatcher, type HostWatcher } from '../../../main/host/watcher'
import { watcherSource } from '../../../main/service/snapshot-source'
import type { SshConnection } from '../../../main/ssh'
import { createFsJournalStore } from '../../../main/store/journal-store'
import { connectSim } from '../../helpers/lab-engine'

// Issue 19 item 1: an operation reads only what its module declares (`planReads` before the
// commands, `reads` while it waits), over real SSH to labsim through the console's watcher and
// snapshot source. A full discovery is recognisable by its `uname -r` section; the sysfs walk by
// its glob over /sys/bus/pci/devices. Durations are not asserted: the machine is shared.

const PF = 'pci/0000:08:00.0'
const WALK = '/sys/bus/pci/devices/*;'
const FUSED = 'read in the same exec: '

describe('operations read only what they check', () => {
  let lab: Lab
  let dir: string
  let conn: SshConnection
  let watcher: HostWatcher
  let engine: Engine
  const execs: string[] = []

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, profile: 'fixed', speed: 0.02 })
    dir = await mkdtemp(join(tmpdir(), 'replab-targeted-'))
    conn = await connectSim(lab, 'sim-a', join(dir, 'known_hosts'))
    const runner: CommandRunner = {
      target: conn.target,
      exec: async (command, o) => {
        execs.push(command)
        const r = await conn.exec(command, o)
        // A read fused into the command's exec is logged after it, marked, when it ran.
        if (o.readAfter && r.after) execs.push(`${FUSED}${o.readAfter.script}`)
        return r
      },
      stream: (command, o) => conn.stream(command, o),
    }
    watcher = await startHostWatcher(runner, { hostName: 'sim-a', timeoutMs: 30_000 })
    const source = watcherSource(watcher)
    engine = createEngine({
      runnerFor: () => runner,
      snapshotSourceFor: () => source,
      journal: createFsJournalStore(dir),
      consoleIdentity: { user: 'tester', host: 'console-a' },
    })
  })
  afterAll(async () => {
    watcher?.close()
    conn?.close()
    await lab?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  /** Runs `request`; answers the result and every exec made while it ran. */
  async function run(request: Record<string, unknown>) {
    const from = execs.length
    const r = await engine.runOperation('sim-a', request, { timeoutMs: 60_000 })
    return { r, during: execs.slice(from) }
  }

  it('vf-count reads the VF count by path before, the device while it waits, never everything', async () => {
    const { r, during } = await run({ op: 'vf-count', device: PF, count: 2 })
    expect(r.status).toBe('ok')
    const command = during.indexOf('echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
    expect(command).toBeGreaterThan(0)
    const before = during.slice(0, command)
    expect(before.length).toBeGreaterThan(0)
    // planReads (eswitch, pci, nsim): the known functions and E-Switches by path, no walk.
    expect(before.at(-1)).toContain('/sys/bus/pci/devices/0000:08:00.0 ')
    expect(before.at(-1)).toContain(`devlink -j dev eswitch show ${PF}`)
    expect(before.at(-1)).not.toContain(WALK)
    expect(during.filter((c) => c.includes('uname -r'))).toEqual([])
    expect(during.slice(command + 1).some((c) => c.includes(':pcidev:'))).toBe(true)
  })

  it('eswitch-mode needs no read before its command; the wait reads the device only', async () => {
    const { r, during } = await run({ op: 'eswitch-mode', device: PF, mode: 'switchdev' })
    expect(r.status).toBe('ok')
    expect(r.observed).toMatch(/mode switchdev, numvfs 2, 2 VFs listed, .*2 VF ports$/)
    expect(during.filter((c) => c.includes('uname -r'))).toEqual([])
    const command = during.indexOf(`devlink dev eswitch set ${PF} mode switchdev`)
    expect(command).toBeGreaterThanOrEqual(0)
    const after = during.slice(command + 1)
    expect(after.some((c) => c.includes(`devlink -j dev eswitch show ${PF}`))).toBe(true)
    // Back to the start for the next run of the suite's host.
    const back = await run({ op: 'eswitch-mode', device: PF, mode: 'legacy' })
    expect(back.r.status).toBe('ok')
    expect((await run({ op: 'vf-count', device: PF, count: 0 })).r.status).toBe('ok')
  })

  it('a mismatch is still found by the targeted reads once the host settles', async () => {
    const { r, during } = await run({ op: 'fw-tracer', enable: false, path: 'ofed' })
    expect(r.error).toMatchObject({ code: 'postcondition-mismatch' })
    expect(r.observed).toBe('firmware tracer (upstream path) enabled')
    // Only the tracer part (`extras`) was read, several times while it settled.
    const reads = during.filter((c) => c.includes(':tracer:'))
    expect(reads.length).toBeGreaterThanOrEqual(2)
    expect(reads.every((c) => !c.includes('uname -r') && !c.includes(':pcidev:'))).toBe(true)
  })

  it('the verifying read travels in the last command exec: no second round trip for it', async () => {
    const { r, during } = await run({ op: 'vf-count', device: PF, count: 2 })
    expect(r.status).toBe('ok')
    const command = during.indexOf('echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
    expect(command).toBeGreaterThan(0)
    // Logged once its exec returned (event refreshes may have started meanwhile): the device's
    // parts by path, right behind the command.
    const read = during.slice(command + 1).find((c) => c.startsWith(FUSED)) ?? ''
    expect(read).toContain(':pcidev:')
    expect(read).not.toContain(WALK)
    // The record is the command's own; returned (the command) and observed (the read) apart.
    expect(r.commands.at(-1)).toMatchObject({ code: 0, stdout: '', stderr: '' })
    expect(r.timings.returnedMs).not.toBeNull()
    expect(r.timings.observedMs).toBeGreaterThanOrEqual(r.timings.returnedMs ?? Infinity)
    expect(r.observed).toMatch(/numvfs 2, 2 VFs listed/)
    expect((await run({ op: 'vf-count', device: PF, count: 0 })).r.status).toBe('ok')
  })

  it('fw-tracer and module plan on the cache; a refusal there is checked by a fresh read', async () => {
    const on = await run({ op: 'fw-tracer', enable: true })
    expect(on.r.status).toBe('ok')
    // Nothing read before the command: its path and the expectation come from the cache.
    const echo = on.during.findIndex((c) => c.startsWith('echo 1 > '))
    expect(echo).toBeGreaterThanOrEqual(0)
    expect(on.during.slice(0, echo).filter((c) => c.includes(':tracer:'))).toEqual([])
    expect((await run({ op: 'fw-tracer', enable: false })).r.status).toBe('ok')
    // mlx5_ib unloaded behind replab's back (no monitor reports modules): the cache still says
    // loaded, refuses the load, and the fresh read of the modules lets it go ahead.
    await conn.exec('modprobe -r mlx5_ib', { timeoutMs: 30_000 })
    const load = await run({ op: 'module', module: 'mlx5_ib', action: 'load' })
    expect(load.r.error).toBeUndefined()
    expect(load.r.status).toBe('ok')
    expect(load.r.observed).toBe('mlx5_ib loaded')
    const modprobe = load.during.indexOf('modprobe mlx5_ib')
    expect(load.during.slice(0, modprobe).some((c) => c.includes(':modules:'))).toBe(true)
  })
})
