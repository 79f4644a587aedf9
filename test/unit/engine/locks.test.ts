import { Readable } from 'node:stream'

import { describe, expect, it } from 'vitest'

import { acquireRemoteLock, DeviceLocks } from '../../../main/engine/locks'
import type { CommandRunner } from '../../../main/engine/ports'

/** A runner whose lock stream says nothing until told; exec answers the owner file. */
function silentRunner(owner = ''): CommandRunner & { last?: Readable } {
  const r: CommandRunner & { last?: Readable } = {
    target: 'root@h:22',
    exec: async () =>
      owner === ''
        ? {
            stdout: '',
            stderr: 'cat: /run/replab/x.owner: No such file or directory',
            code: 1,
            signal: null,
            durationMs: 1,
          }
        : { stdout: owner, stderr: '', code: 0, signal: null, durationMs: 1 },
    stream: (_c, o) => {
      const s = new Readable({ read() {} })
      o.signal.addEventListener('abort', () => s.push(null))
      r.last = s
      return s
    },
  }
  return r
}

describe('remote lock', () => {
  it('times out when the host never answers, and aborts on the signal', async () => {
    await expect(
      acquireRemoteLock(silentRunner(), 'pci/0000:08:00.0', 'me', { timeoutMs: 30 }),
    ).rejects.toMatchObject({ code: 'timeout' })
    const ac = new AbortController()
    const p = acquireRemoteLock(silentRunner(), 'pci/0000:08:00.0', 'me', {
      timeoutMs: 5000,
      signal: ac.signal,
    })
    ac.abort()
    await expect(p).rejects.toMatchObject({ code: 'aborted' })
  })

  it('names the holder from the owner file when flock exits 75, and notices a lost lock', async () => {
    const busy = silentRunner('bob from pc since 2026-01-01T00:00:00.000Z\n')
    const p = acquireRemoteLock(busy, 'pci/0000:08:00.0', 'me', { timeoutMs: 1000 })
    busy.last?.push(null)
    await expect(p).rejects.toMatchObject({
      code: 'host-busy',
      message: 'pci/0000:08:00.0 locked by bob from pc since 2026-01-01T00:00:00.000Z',
    })
    const broken = silentRunner()
    const b = acquireRemoteLock(broken, 'pci/0000:08:00.0', 'me', { timeoutMs: 1000 })
    broken.last?.push(null)
    await expect(b).rejects.toMatchObject({
      code: 'command-failed',
      message: expect.stringMatching(/flock\(1\) installed/),
    })
    const ok = silentRunner()
    const q = acquireRemoteLock(ok, 'pci/0000:08:00.0', 'me', { timeoutMs: 1000 })
    ok.last?.push('locked\n')
    const lock = await q
    expect(lock.lost).toBe(false)
    ok.last?.destroy()
    await new Promise((r) => ok.last?.once('close', r))
    expect(lock.lost).toBe(true)
    lock.release()
  })
})

describe('device locks', () => {
  it('serialises holders in order and lets a waiter give up', async () => {
    const locks = new DeviceLocks()
    const order: string[] = []
    const first = locks.tryAcquire('h|d', 'one')
    expect(() => locks.tryAcquire('h|d', 'two')).toThrow(/d locked by one/)
    const second = locks.acquire('h|d', 'two').then((rel) => {
      order.push('two')
      return rel
    })
    const ac = new AbortController()
    const third = locks.acquire('h|d', 'three', ac.signal)
    ac.abort()
    await expect(third).rejects.toMatchObject({ code: 'aborted' })
    order.push('one done')
    first()
    ;(await second)()
    expect(order).toEqual(['one done', 'two'])
    expect(locks.holder('h|d')).toBeUndefined()
  })
})
