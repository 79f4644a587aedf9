import type { LockTable } from '../shell/types'
import { abortError } from './clock'

/**
 * flock(2) LOCK_EX table of one host: one holder per path, FIFO waiters.
 *
 * Locks are released by their holder (the flock(1) process ends, or its channel closes and
 * the process is killed), like the kernel releases a lock when the last fd closes.
 */
export class LockTableImpl implements LockTable {
  private readonly holders = new Map<string, symbol>()
  private readonly waiters = new Map<string, (() => void)[]>()

  async acquire(path: string, owner: symbol, wait: boolean, signal: AbortSignal): Promise<boolean> {
    for (;;) {
      const holder = this.holders.get(path)
      if (holder === undefined || holder === owner) {
        this.holders.set(path, owner)
        return true
      }
      if (!wait) return false
      if (signal.aborted) throw abortError()
      await new Promise<void>((resolve) => {
        const queue = this.waiters.get(path) ?? []
        queue.push(resolve)
        this.waiters.set(path, queue)
        signal.addEventListener('abort', () => resolve(), { once: true })
      })
      if (signal.aborted) throw abortError()
    }
  }

  release(path: string, owner: symbol): void {
    if (this.holders.get(path) !== owner) return
    this.holders.delete(path)
    const queue = this.waiters.get(path) ?? []
    this.waiters.delete(path)
    for (const wake of queue) wake()
  }

  /** Paths currently locked (for `state()`). */
  held(): string[] {
    return [...this.holders.keys()].sort()
  }

  /** Drops every lock (host reboot). */
  clear(): void {
    const paths = [...this.holders.keys()]
    this.holders.clear()
    for (const path of paths) {
      for (const wake of this.waiters.get(path) ?? []) wake()
      this.waiters.delete(path)
    }
  }
}
