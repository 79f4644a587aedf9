import { describe, expect, it } from 'vitest'

import { useLabConsole } from '../../helpers/lab-engine'

// Issue 16 item 5 over real SSH to labsim, through the same engine, watcher and snapshot source
// as the console and the CLI: an operation whose device settles in a state other than the
// expected one ends with postcondition-mismatch once the host stopped changing, long before its
// 60 s budget, naming expected and observed. (Durations are not asserted: the machine is shared.)

const PF = 'pci/0000:08:00.0'

describe('operations that settle over labsim', () => {
  const suite = useLabConsole({ hosts: 1, profile: 'fixed', speed: 0.02 })

  it('an outcome that shows: ok, with timings and the observed state', async () => {
    const r = await suite.c.engine.runOperation(
      'sim-a',
      { op: 'eswitch-mode', device: PF, mode: 'switchdev' },
      { timeoutMs: 60_000 },
    )
    expect(r.status).toBe('ok')
    expect(r.timings.returnedMs).not.toBeNull()
    expect(r.timings.observedMs).not.toBeNull()
    expect(r.observed).toMatch(/^pci\/0000:08:00\.0: driver mlx5_core, mode switchdev, /)
    const back = await suite.c.engine.runOperation(
      'sim-a',
      { op: 'eswitch-mode', device: PF, mode: 'legacy' },
      { timeoutMs: 60_000 },
    )
    expect(back.status).toBe('ok')
  }, 90_000)

  it('a state that cannot come (the OFED tracer off while the upstream one traces) is a mismatch, not a timeout', async () => {
    // labsim has both tracer event dirs; discovery reports the upstream mlx5_fw one, enabled at
    // boot. Writing 0 to the OFED fw_tracer enable succeeds and leaves the tracer on.
    const r = await suite.c.engine.runOperation(
      'sim-a',
      { op: 'fw-tracer', enable: false, path: 'ofed' },
      { timeoutMs: 60_000 },
    )
    expect(r.status).toBe('failed')
    expect(r.error).toMatchObject({
      code: 'postcondition-mismatch',
      command: 'echo 0 > /sys/kernel/debug/tracing/events/mlx5/fw_tracer/enable',
    })
    expect(r.error?.host).toMatch(/^root@127\.0\.0\.1:\d+$/)
    expect(r.error?.message).toContain('expected firmware tracer disabled [docs/domain.md §3.1')
    expect(r.error?.message).toContain('observed firmware tracer (upstream path) enabled')
    expect(r.observed).toBe('firmware tracer (upstream path) enabled')
    expect(r.commands.map((c) => c.code)).toEqual([0])
    expect(r.timings.returnedMs).not.toBeNull()
    expect(r.timings.observedMs).not.toBeNull()
  }, 90_000)
})
