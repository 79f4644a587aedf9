import { abortError } from './clock'

/**
 * A broadcast channel of kernel events (dmesg lines, trace lines, netlink notifications).
 *
 * Subscribers of `iterate` get their own unbounded queue, so a slow SSH reader never
 * blocks the kernel model (like a netlink socket that buffers); the reader drains it with
 * backpressure. `trace_pipe` readers are the exception: they subscribe with `on` into a ring
 * bounded like ftrace's, which overwrites the oldest unread events (vfs/trace-ring.ts).
 */
export class EventBus<T> {
  private readonly listeners = new Set<(event: T) => void>()

  emit(event: T): void {
    for (const listener of this.listeners) listener(event)
  }

  /** Registers a listener; returns the unsubscribe function. */
  on(listener: (event: T) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Iterates events from now on until `signal` aborts (then the iterator just ends). */
  async *iterate(signal: AbortSignal): AsyncGenerator<T> {
    const queue: T[] = []
    let wake: (() => void) | undefined
    const off = this.on((event) => {
      queue.push(event)
      wake?.()
    })
    const onAbort = (): void => wake?.()
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      while (!signal.aborted) {
        const next = queue.shift()
        if (next !== undefined) {
          yield next
          continue
        }
        await new Promise<void>((resolve) => (wake = resolve))
        wake = undefined
      }
    } finally {
      off()
      signal.removeEventListener('abort', onAbort)
    }
  }
}

/** An async mutex (the devlink instance lock, the E-Switch representor lock). */
export class Mutex {
  private tail: Promise<void> = Promise.resolve()
  private held = 0

  /** True while someone holds the lock. */
  get locked(): boolean {
    return this.held > 0
  }

  /** Runs `fn` holding the lock; waiters queue in FIFO order. */
  async run<R>(fn: () => Promise<R>, signal?: AbortSignal): Promise<R> {
    const previous = this.tail
    let release!: () => void
    this.tail = new Promise<void>((resolve) => (release = resolve))
    try {
      await waitOrAbort(previous, signal)
    } catch (error) {
      void previous.then(release)
      throw error
    }
    this.held++
    try {
      return await fn()
    } finally {
      this.held--
      release()
    }
  }
}

function waitOrAbort(promise: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return promise
  if (signal.aborted) return Promise.reject(abortError())
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(abortError())
    signal.addEventListener('abort', onAbort, { once: true })
    void promise.then(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    })
  })
}
