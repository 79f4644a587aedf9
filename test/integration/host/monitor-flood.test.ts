import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startLab, type Lab } from '../../../labsim'
import { startHostWatcher, type HostWatcher } from '../../../main/host/watcher'
import type { SshConnection } from '../../../main/ssh'
import { connectSim } from '../../helpers/lab-engine'
import { poll } from '../../helpers/poll'

// Issue 20, "Floods and leaks": one host streaming an endless unterminated `devlink -j monitor`
// value drove the console to 100 % CPU and 2.8 GB, and a healthy host's fresh snapshot went from
// ~100 ms to over 30 s: json-splitter.ts kept the unfinished value without limit and re-flattened
// it on every chunk. Here sim-a's monitor prints `{"mon":[{…"x":"` and then `yes` forever, over
// real SSH. The splitter holds at most its limit, the stream is cut with an error that marks the
// host degraded, the monitor is restarted later (and cut again), and the healthy host's fresh
// snapshots complete meanwhile. The time ratio is a benchmark (test/bench/flood.ts), not a test.

const LIMIT = 1 << 20
const FLOOD = `printf '{"mon":[{"command":"new","port":{"x":"'; yes AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`

describe('a flooding monitor stream', () => {
  let lab: Lab
  let dir: string
  const conns: SshConnection[] = []
  const watchers: HostWatcher[] = []

  beforeAll(async () => {
    lab = await startLab({ hosts: 2, profile: 'fixed', speed: 0.02 })
    dir = await mkdtemp(join(tmpdir(), 'replab-flood-'))
  })
  afterAll(async () => {
    for (const w of watchers) w.close()
    for (const c of conns) c.close()
    await lab?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('is cut at the limit with an error, restarted, and the healthy host keeps answering', async () => {
    const a = await connectSim(lab, 'sim-a', join(dir, 'kh-a'))
    const b = await connectSim(lab, 'sim-b', join(dir, 'kh-b'))
    conns.push(a, b)
    const cuts: number[] = []
    const flooded = await startHostWatcher(a, {
      hostName: 'sim-a',
      timeoutMs: 30_000,
      devlinkMonitor: FLOOD,
      maxMonitorValueChars: LIMIT,
      pollMinMs: 200,
      onMonitorOverflow: (_kind, held) => cuts.push(held),
    })
    const healthy = await startHostWatcher(b, { hostName: 'sim-b', timeoutMs: 30_000 })
    watchers.push(flooded, healthy)

    // While sim-a floods, sim-b's fresh snapshots complete, whole and without errors.
    for (let i = 0; i < 3; i++) {
      const s = await healthy.refresh({ fresh: true })
      expect(s.errors ?? []).toEqual([])
      expect(s.devices.length).toBeGreaterThan(0)
    }
    await poll(() => cuts.length >= 2, {
      timeoutMs: 60_000,
      what: 'the flooding devlink monitor cut twice (restarted in between)',
    })
    // Bounded: what the splitter held never passed its limit by more than one SSH chunk.
    for (const held of cuts) {
      expect(held).toBeGreaterThan(LIMIT)
      expect(held).toBeLessThan(LIMIT + 256 * 1024)
    }
    // The host is marked degraded in its snapshot, naming the command and how the value began.
    const mark = await poll(() => flooded.current().errors?.find((e) => e.command === FLOOD), {
      what: 'the flood error on sim-a',
    })
    expect(mark.message).toMatch(/^monitor stream cut: one value grew past \d+ characters/)
    expect(mark.excerpt).toMatch(/^\{"mon":\[\{"command":"new","port":\{"x":"A+/)
    // The cut stream's remote command is gone from labsim (the restarted one may be running).
    expect(
      lab
        .host('sim-a')
        .processes()
        .filter((p) => p.command === FLOOD).length,
    ).toBeLessThanOrEqual(1)
    const s = await healthy.refresh({ fresh: true })
    expect(s.errors ?? []).toEqual([])
  }, 120_000)
})
