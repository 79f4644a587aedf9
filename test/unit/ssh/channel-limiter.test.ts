import { describe, expect, it } from 'vitest'
import { LabError } from '../../../contract/errors'
import { ChannelLimiter, classifySsh2Error, targetLabel } from '../../../main/ssh'

describe('ChannelLimiter', () => {
  it('grants at most `limit` slots and serves waiters first in, first out', async () => {
    const lim = new ChannelLimiter(2)
    const order: number[] = []
    const r1 = await lim.acquire()
    const r2 = await lim.acquire()
    const waiting = [3, 4, 5].map((n) => lim.acquire().then((rel) => (order.push(n), rel)))
    expect(lim.inFlight).toBe(2)
    expect(lim.queued).toBe(3)
    r1()
    r1() // idempotent: must not free a second slot
    await Promise.resolve()
    await Promise.resolve()
    expect(order).toEqual([3])
    expect(lim.inFlight).toBe(2)
    r2()
    const [, , r5] = await Promise.all([
      waiting[0],
      waiting[1],
      new Promise((r) => setTimeout(r, 0)), // one macrotask: every queued grant has settled
    ])
    expect(order).toEqual([3, 4])
    void r5
  })

  it('an abort while queued rejects with aborted and leaves the queue', async () => {
    const lim = new ChannelLimiter(1)
    const rel = await lim.acquire()
    const ac = new AbortController()
    const p = lim.acquire(ac.signal)
    ac.abort()
    await expect(p).rejects.toMatchObject({ code: 'aborted' })
    expect(lim.queued).toBe(0)
    rel()
    expect(lim.inFlight).toBe(0)
    await expect(lim.acquire(ac.signal)).rejects.toBeInstanceOf(LabError)
  })

  it('refuses a nonsense limit', () => {
    expect(() => new ChannelLimiter(0)).toThrow(RangeError)
  })
})

describe('ssh2 error classification', () => {
  const t = targetLabel({ user: 'root', host: 'lab1', port: 22 })
  it('maps ssh2 levels to typed codes naming user@host:port', () => {
    const auth = Object.assign(new Error('All configured authentication methods failed'), {
      level: 'client-authentication',
    })
    expect(classifySsh2Error(auth, t)).toMatchObject({
      code: 'ssh-auth',
      data: { host: 'root@lab1:22' },
    })
    const ka = Object.assign(new Error('Keepalive timeout'), { level: 'client-timeout' })
    expect(classifySsh2Error(ka, t).code).toBe('ssh-timeout')
    const sock = Object.assign(new Error('connect ECONNREFUSED'), { level: 'client-socket' })
    expect(classifySsh2Error(sock, t).message).toBe('root@lab1:22: connect ECONNREFUSED')
    expect(classifySsh2Error('weird', t).code).toBe('ssh-connect')
  })

  it('brackets IPv6 literals in labels', () => {
    expect(targetLabel({ user: 'u', host: 'fe80::1', port: 2222 })).toBe('u@[fe80::1]:2222')
  })
})
