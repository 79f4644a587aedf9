import { describe, expect, it } from 'vitest'

import { labError } from '../../../contract'
import type { HostSnapshot } from '../../../contract'
import { withFreshFallback } from '../../../main/engine/fresh-fallback'
import type { SnapshotSource } from '../../../main/engine/ports'
import { FakeHost } from '../../helpers/fake-mlx5-host'
import { FakeSource } from './fake-ports'

/** A source whose monitors miss everything: waitFor only ever times out. */
function deaf(host: FakeHost, reads: { n: number }): SnapshotSource {
  return {
    snapshot: async () => {
      reads.n++
      return host.snapshot()
    },
    onChange: () => () => undefined,
    waitFor: (_p, o) =>
      new Promise<HostSnapshot>((_resolve, reject) => {
        setTimeout(() => reject(labError('timeout', 'no event')), o.timeoutMs)
      }),
  }
}

describe('fresh fallback', () => {
  it('finds a change no event reported, by reading fresh after the command returned', async () => {
    const host = new FakeHost()
    const reads = { n: 0 }
    host.run('devlink dev eswitch set pci/0000:08:00.0 mode switchdev')
    const s = await withFreshFallback(deaf(host, reads)).waitFor(
      (x) => x.devices[0]?.eswitch?.mode === 'switchdev',
      { timeoutMs: 1000 },
    )
    expect(s.devices[0]?.eswitch?.mode).toBe('switchdev')
    expect(reads.n).toBe(1)
  })

  it('keeps reading with backoff until the change shows, and still times out when it never does', async () => {
    const host = new FakeHost()
    const reads = { n: 0 }
    const src = withFreshFallback(deaf(host, reads), { firstMs: 5, maxMs: 20 })
    // The change lands 30 ms later, unannounced (behaviour under test: reads must find it).
    setTimeout(() => host.run('modprobe -r mlx5_ib'), 30)
    const s = await src.waitFor((x) => !x.host.modules.mlx5_ib, { timeoutMs: 2000 })
    expect(s.host.modules.mlx5_ib).toBe(false)
    expect(reads.n).toBeGreaterThan(1)
    await expect(src.waitFor(() => false, { timeoutMs: 50 })).rejects.toMatchObject({
      code: 'timeout',
    })
  })

  it('resolves from events when the source has them, and honours abort', async () => {
    const host = new FakeHost()
    const src = withFreshFallback(new FakeSource(host), { firstMs: 10_000 })
    // The change lands 5 ms later with an event (behaviour under test).
    setTimeout(() => host.run('echo 1 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs'), 5)
    const s = await src.waitFor((x) => x.devices[0]?.pci?.numvfs === 1, { timeoutMs: 2000 })
    expect(s.devices[0]?.pci?.numvfs).toBe(1)
    const ac = new AbortController()
    const pending = src.waitFor(() => false, { timeoutMs: 5000, signal: ac.signal })
    ac.abort()
    await expect(pending).rejects.toMatchObject({ code: 'aborted' })
  })

  it('prefers a fresh read to a cached snapshot that predates the command', async () => {
    const host = new FakeHost()
    const stale = host.snapshot()
    host.run('echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
    const cached: SnapshotSource = {
      snapshot: async (o) => (o.fresh ? host.snapshot() : stale),
      onChange: () => () => undefined,
      waitFor: async (p) => (p(stale) ? stale : host.snapshot()),
    }
    const s = await withFreshFallback(cached).waitFor((x) => Boolean(x.devices[0]?.driver), {
      timeoutMs: 500,
    })
    expect(s.devices[0]?.pci?.numvfs).toBe(2)
  })
})
