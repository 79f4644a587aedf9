import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { ReadHold } from '../../../main/host/read-hold'

// The hold that keeps the watcher's refreshes from running beside an operation's verifying read,
// on vitest's fake clock (timers and performance.now): no test here sleeps.

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('ReadHold', () => {
  it('holds nothing until a read takes it', () => {
    const wake = vi.fn()
    const hold = new ReadHold(wake, 500)
    expect(hold.holding()).toBe(false)
    vi.advanceTimersByTime(1000)
    expect(wake).not.toHaveBeenCalled()
  })

  it('a release lets the held refreshes go at once, and only once', () => {
    const wake = vi.fn()
    const hold = new ReadHold(wake, 500)
    const release = hold.take()
    expect(hold.holding()).toBe(true)
    vi.advanceTimersByTime(100)
    release()
    expect(wake).toHaveBeenCalledTimes(1)
    expect(hold.holding()).toBe(false)
    release()
    expect(wake).toHaveBeenCalledTimes(1)
    // The grace timer was cleared with the release: no late wake.
    vi.advanceTimersByTime(1000)
    expect(wake).toHaveBeenCalledTimes(1)
  })

  it('a read that never lands holds a due refresh for the grace only', () => {
    const wake = vi.fn()
    const hold = new ReadHold(wake, 500)
    hold.take()
    vi.advanceTimersByTime(200)
    expect(hold.holding()).toBe(true)
    vi.advanceTimersByTime(499)
    expect(wake).not.toHaveBeenCalled()
    expect(hold.holding()).toBe(true)
    vi.advanceTimersByTime(1)
    expect(wake).toHaveBeenCalledTimes(1)
    expect(hold.holding()).toBe(false)
  })

  it('two reads in flight: the refreshes wait for both', () => {
    const wake = vi.fn()
    const hold = new ReadHold(wake, 500)
    const a = hold.take()
    const b = hold.take()
    expect(hold.holding()).toBe(true)
    a()
    expect(hold.holding()).toBe(true)
    expect(wake).not.toHaveBeenCalled()
    b()
    expect(wake).toHaveBeenCalledTimes(1)
    expect(hold.holding()).toBe(false)
  })
})
