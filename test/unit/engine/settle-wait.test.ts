import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { labError } from '../../../contract'
import type { HostSnapshot, SnapshotDiff } from '../../../contract'
import type { SnapshotSource } from '../../../main/engine/ports'
import { waitSettled, type SettleOutcome } from '../../../main/engine/settle-wait'
import { FakeHost } from '../../helpers/fake-mlx5-host'

// Issue 16 item 5: the settle-aware wait, on a scripted source and vitest's fake clock (timers and
// Date): no test here sleeps; virtual time moves only when the test advances it.

const clock = { now: () => Date.now() }
const WINDOW = 1000
const READ = 200

// Host states: legacy with no VFs, legacy with 2 VFs, switchdev, switchdev with 2 VFs.
const host = new FakeHost()
const legacy = host.snapshot()
host.run('echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
const legacyVfs = host.snapshot()
host.run('devlink dev eswitch set pci/0000:08:00.0 mode switchdev')
const switchdevVfs = host.snapshot()
host.run('echo 0 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
const switchdev = host.snapshot()

const isSwitchdev = (s: HostSnapshot): boolean => s.devices[0]?.eswitch?.mode === 'switchdev'
const never = (): boolean => false

/** A source whose fresh reads answer `state(ms since the start)`; an Error is thrown. */
class Scripted implements SnapshotSource {
  reads = 0
  private readonly t0 = Date.now()
  private readonly listeners = new Set<(s: HostSnapshot, d: SnapshotDiff) => void>()
  constructor(private readonly state: (t: number) => HostSnapshot | Error) {}

  async snapshot(): Promise<HostSnapshot> {
    this.reads++
    // Fresh copies, each with its own takenAt: the settle check must ignore it.
    const s = this.state(Date.now() - this.t0)
    if (s instanceof Error) throw s
    return { ...structuredClone(s), takenAt: new Date().toISOString() }
  }

  onChange(l: (s: HostSnapshot, d: SnapshotDiff) => void): () => void {
    this.listeners.add(l)
    return () => this.listeners.delete(l)
  }

  /** A monitor event now. */
  emit(s: HostSnapshot): void {
    for (const l of [...this.listeners]) l(s, { from: '', to: '', changes: [] })
  }

  waitFor(): Promise<HostSnapshot> {
    throw new Error('the settle wait does not use waitFor')
  }
}

/** Starts a wait; `end` resolves with the outcome (or the error) and the virtual ms it took. */
function start(
  source: SnapshotSource,
  holds: (s: HostSnapshot) => boolean,
  timeoutMs = 5000,
  signal?: AbortSignal,
  initial?: HostSnapshot,
) {
  const t0 = Date.now()
  let done: { outcome?: SettleOutcome; error?: unknown; ms: number } | undefined
  waitSettled(source, clock, holds, {
    timeoutMs,
    settleMs: WINDOW,
    intervalMs: READ,
    ...(signal ? { signal } : {}),
    ...(initial ? { initial } : {}),
  }).then(
    (outcome) => (done = { outcome, ms: Date.now() - t0 }),
    (error: unknown) => (done = { error, ms: Date.now() - t0 }),
  )
  return {
    async end() {
      await vi.advanceTimersByTimeAsync(timeoutMs + 1)
      if (!done) throw new Error('the wait did not end')
      return done
    },
  }
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('waitSettled', () => {
  it('resolves at once when the first fresh read already shows the expectation', async () => {
    const source = new Scripted(() => switchdev)
    const r = await start(source, isSwitchdev).end()
    expect(r.outcome).toMatchObject({ held: true })
    expect(r.ms).toBe(0)
    expect(source.reads).toBe(1)
  })

  it('a read taken in the command exec (`initial`) ends the wait when it holds', async () => {
    const held = new Scripted(() => switchdev)
    const r = await start(held, isSwitchdev, 5000, undefined, switchdev).end()
    expect(r.outcome).toMatchObject({ held: true })
    expect(r.ms).toBe(0)
    expect(held.reads).toBe(0)
    // Taken too early (the effect still landing): a fresh read follows at once, as without it.
    const late = new Scripted(() => switchdev)
    const l = await start(late, isSwitchdev, 5000, undefined, legacy).end()
    expect(l.outcome).toMatchObject({ held: true })
    expect(l.ms).toBe(0)
    expect(late.reads).toBe(1)
  })

  it('a device that settles in another state ends within the window plus one read interval', async () => {
    // The command's effect lands 300 ms after it returned, then nothing changes any more.
    const source = new Scripted((t) => (t < 300 ? legacy : legacyVfs))
    const r = await start(source, isSwitchdev).end()
    expect(r.error).toBeUndefined()
    expect(r.outcome?.held).toBe(false)
    expect(r.outcome?.snapshot.devices[0]?.pci?.numvfs).toBe(2)
    if (r.outcome?.held === false) expect(r.outcome.quietMs).toBeGreaterThanOrEqual(WINDOW)
    expect(r.ms).toBeGreaterThanOrEqual(300 + WINDOW)
    expect(r.ms).toBeLessThanOrEqual(300 + WINDOW + READ)
  })

  it('a device quiet from the start settles after the window, seen by several reads', async () => {
    const source = new Scripted(() => legacy)
    const r = await start(source, isSwitchdev).end()
    expect(r.outcome?.held).toBe(false)
    expect(r.ms).toBe(WINDOW)
    expect(source.reads).toBe(WINDOW / READ + 1)
  })

  it('a monitor event that shows the expectation ends the wait before the next read', async () => {
    const source = new Scripted(() => legacy)
    setTimeout(() => source.emit(switchdev), 250)
    const r = await start(source, isSwitchdev).end()
    expect(r.outcome).toMatchObject({ held: true })
    expect(r.ms).toBe(250)
  })

  it('a device still changing at the deadline is a timeout', async () => {
    const source = new Scripted((t) => (Math.floor(t / 150) % 2 ? switchdev : switchdevVfs))
    const r = await start(source, never, 5000).end()
    expect(r.error).toMatchObject({ code: 'timeout' })
    expect(r.ms).toBe(5000)
  })

  it('change events with no visible difference keep the window open', async () => {
    const source = new Scripted(() => legacy)
    const tick = setInterval(() => source.emit(legacy), 300)
    const r = await start(source, never, 3000).end()
    clearInterval(tick)
    expect(r.error).toMatchObject({ code: 'timeout' })
  })

  it('reads failing for a lost connection end as that connection error, not as settled', async () => {
    const lost = labError('ssh-connect', 'root@127.0.0.1:2222: connection closed by peer')
    const source = new Scripted((t) => (t < 100 ? legacy : lost))
    const r = await start(source, never, 3000).end()
    expect(r.error).toMatchObject({
      code: 'ssh-connect',
      message: expect.stringMatching(
        /^connection lost while waiting \(3000 ms\): .*closed by peer/,
      ),
    })
  })

  it('a device that cannot be read (gone) never counts as settled: timeout', async () => {
    const gone = labError('parse-error', 'devlink: no such device')
    const source = new Scripted(() => gone)
    const r = await start(source, never, 3000).end()
    expect(r.error).toMatchObject({ code: 'timeout' })
  })

  it('aborts when the signal fires, and reads no more', async () => {
    const source = new Scripted(() => legacy)
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 500)
    const r = await start(source, never, 5000, ac.signal).end()
    expect(r.error).toMatchObject({ code: 'aborted' })
    expect(r.ms).toBe(500)
    const reads = source.reads
    await vi.advanceTimersByTimeAsync(2000)
    expect(source.reads).toBe(reads)
  })
})
