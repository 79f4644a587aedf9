import { describe, expect, it } from 'vitest'

import { HostLink, type LinkEvent } from '../../../main/engine/host-link'
import { DeviceLocks } from '../../../main/engine/locks'
import { FakeHost } from '../../helpers/fake-mlx5-host'
import { poll } from '../../helpers/poll'
import { DroppingLink } from './dropping-link'

// Issue 21 item 7: one owner of the link to the host. A HostLink holds the device's locks, refuses
// commands while the remote lock is lost, reconnects, retakes the lock with the same owner line
// and emits what happened; the drill context only turns these events into findings.

const DEVICE = 'pci/0000:08:00.0'
const KEY = 'pci_0000_08_00.0'
const BOB = 'bob from pc since 2026-01-01T00:00:00.000Z'

async function rig() {
  const host = new FakeHost()
  const flaky = new DroppingLink(host)
  const ports = {
    hostId: 'fake',
    runner: flaky,
    source: flaky.source(),
    clock: { now: () => Date.now() },
  }
  const locks = new DeviceLocks()
  const signal = new AbortController().signal
  const link = await HostLink.take(ports, locks, DEVICE, 'alice from laptop', {
    timeoutMs: 1000,
    signal,
  })
  const events: LinkEvent['kind'][] = []
  link.on((e) => events.push(e.kind))
  return { host, flaky, link, locks, events, ports }
}

describe('HostLink', () => {
  it('holds both locks; a second take is host-busy; release frees both', async () => {
    const { host, link, locks, ports } = await rig()
    expect(host.locks.get(KEY)).toBe('alice from laptop')
    expect(locks.holder(`fake|${DEVICE}`)).toBe('alice from laptop')
    const signal = new AbortController().signal
    await expect(
      HostLink.take(ports, locks, DEVICE, 'bob', { timeoutMs: 500, signal }),
    ).rejects.toMatchObject({ code: 'host-busy' })
    link.release()
    link.release()
    expect(host.locks.size).toBe(0)
    expect(locks.holder(`fake|${DEVICE}`)).toBeUndefined()
  })

  it('after a drop it refuses commands, then reconnects and retakes the lock with the same owner', async () => {
    const { host, flaky, link, events } = await rig()
    flaky.drop(100)
    await poll(() => link.lost, { what: 'the lock channel to end with the drop' })
    await expect(link.ports.runner.exec('true', { timeoutMs: 500 })).rejects.toMatchObject({
      code: 'ssh-connect',
      message: expect.stringMatching(/the remote lock of pci\/0000:08:00\.0 must be retaken first/),
    })
    const r = await link.recover({ timeoutMs: 2000 })
    expect(r.back.kind).toBe('back')
    expect(r.back.kind === 'back' && r.back.waitedMs).toBeGreaterThanOrEqual(50)
    expect(r.lock?.kind).toBe('lock-retaken')
    expect(events).toEqual(['back', 'lock-retaken'])
    expect(link.lost).toBe(false)
    expect(host.locks.get(KEY)).toBe('alice from laptop')
    const owner = await link.ports.runner.exec(`cat /run/replab/${KEY}.owner`, { timeoutMs: 500 })
    expect(owner.stdout.trim()).toBe('alice from laptop')
    link.release()
  })

  it('another console took the lock meanwhile: lock-lost, remembered, no further command', async () => {
    const { host, flaky, link, events } = await rig()
    flaky.onDrop = () => host.locks.set(KEY, BOB)
    flaky.drop(0)
    const r = await link.recover({ timeoutMs: 1000 })
    expect(r.lock?.kind).toBe('lock-lost')
    expect(link.takenBy?.data.detail).toBe(BOB)
    const sent = host.log.length
    expect((await link.retakeLock({ timeoutMs: 1000 }))?.kind).toBe('lock-lost')
    expect(host.log.length).toBe(sent)
    expect(events).toEqual(['back', 'lock-lost', 'lock-lost'])
    link.release()
    expect(host.locks.get(KEY)).toBe(BOB)
  })

  it('a host that stays silent is offline with the connection error; read rejects with it', async () => {
    const { flaky, link, events } = await rig()
    flaky.drop(60_000)
    const back = await link.reconnect({ timeoutMs: 150 })
    expect(back).toMatchObject({
      kind: 'offline',
      error: {
        code: 'ssh-connect',
        message: expect.stringMatching(/^host did not answer again within 150 ms/),
      },
    })
    await expect(link.read({ timeoutMs: 100 })).rejects.toMatchObject({ code: 'ssh-connect' })
    const ac = new AbortController()
    const waiting = link.reconnect({ timeoutMs: 5000, signal: ac.signal })
    ac.abort()
    expect((await waiting).kind === 'offline' && (await waiting)).toMatchObject({
      error: { code: 'aborted' },
    })
    expect(events).toEqual(['offline', 'offline', 'offline'])
    link.release()
  })

  it('read waits out a short drop and answers the fresh snapshot', async () => {
    const { flaky, link } = await rig()
    flaky.drop(80)
    const s = await link.read({ timeoutMs: 2000 })
    expect(s.devices[0]?.handle).toBe(DEVICE)
    expect(flaky.failures).toBeGreaterThan(0)
    link.release()
  })
})
