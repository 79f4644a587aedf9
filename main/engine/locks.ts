import { LabError, labError } from '../../contract'
import type { CommandRunner } from './ports'
import { lockCommand, lockOwnerCommand } from './shell'

/**
 * Two locks keep lifecycle work on one card serial: an in-process lock per devlink device (like
 * the series' per-E-Switch `reps_lock`, docs/domain.md §4.2) and a remote flock(1) advisory lock so a
 * second console cannot race this one. A drill's link (host-link.ts `HostLink`) takes both and
 * retakes the remote one after a dropped connection.
 */

/** Releases a held lock; calling it twice is harmless. */
export type Release = () => void

interface Held {
  owner: string
  readonly waiters: Array<() => void>
}

/** In-process lifecycle locks keyed by `<hostId>|<devlink handle>`. */
export class DeviceLocks {
  private readonly held = new Map<string, Held>()

  /** Who holds `key`, if anyone. */
  holder(key: string): string | undefined {
    return this.held.get(key)?.owner
  }

  /** Takes `key` now or throws `host-busy` naming the holder. */
  tryAcquire(key: string, owner: string): Release {
    const h = this.held.get(key)
    if (h) throw labError('host-busy', `${key.split('|').pop() ?? key} locked by ${h.owner}`)
    this.held.set(key, { owner, waiters: [] })
    return this.releaser(key)
  }

  /** Waits for `key` (FIFO); rejects with `aborted` when the signal fires first. */
  async acquire(key: string, owner: string, signal?: AbortSignal): Promise<Release> {
    for (;;) {
      const h = this.held.get(key)
      if (!h) {
        this.held.set(key, { owner, waiters: [] })
        return this.releaser(key)
      }
      await new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(labError('aborted', `waiting for ${key} aborted`))
        const onAbort = (): void => reject(labError('aborted', `waiting for ${key} aborted`))
        signal?.addEventListener('abort', onAbort, { once: true })
        h.waiters.push(() => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        })
      })
    }
  }

  private releaser(key: string): Release {
    let done = false
    return () => {
      if (done) return
      done = true
      const h = this.held.get(key)
      this.held.delete(key)
      h?.waiters.splice(0).forEach((wake) => wake())
    }
  }
}

/** A held remote advisory lock. `release()` closes the channel, which ends `cat` and the flock. */
export interface RemoteLock {
  readonly owner: string
  /** True once the holding channel ended on its own (connection lost: the lock is gone). */
  readonly lost: boolean
  release(): void
}

/**
 * Takes `/run/replab/<key>.lock` on the host with the exact flock(1) command labsim implements,
 * held by a streaming channel until `release()`.
 *
 * Rejects with `host-busy` (`<device> locked by <owner>`, `detail` = the owner line) when flock
 * exits 75 (an owner file exists), `command-failed` when the lock could not be taken at all (no
 * owner file), `timeout` when the host does not answer within `timeoutMs`, `aborted` on the
 * signal.
 */
export async function acquireRemoteLock(
  runner: CommandRunner,
  device: string,
  owner: string,
  options: { readonly timeoutMs: number; readonly signal?: AbortSignal },
): Promise<RemoteLock> {
  const controller = new AbortController()
  const onParentAbort = (): void => controller.abort()
  options.signal?.addEventListener('abort', onParentAbort, { once: true })
  const state = { lost: false, released: false }
  const release = (): void => {
    state.released = true
    options.signal?.removeEventListener('abort', onParentAbort)
    controller.abort()
  }
  const stream = runner.stream(lockCommand(device, owner), {
    signal: controller.signal,
    keepStdinOpen: true,
  })
  const locked = await new Promise<boolean>((resolve, reject) => {
    let text = ''
    const timer = setTimeout(() => {
      release()
      reject(
        labError('timeout', `no answer to the lock of ${device} within ${options.timeoutMs} ms`),
      )
    }, options.timeoutMs)
    const settle = (fn: () => void): void => {
      clearTimeout(timer)
      fn()
    }
    stream.on('data', (chunk: Buffer | string) => {
      text += chunk.toString()
      if (/^locked$/m.test(text)) settle(() => resolve(true))
    })
    stream.on('end', () => settle(() => resolve(false)))
    stream.on('close', () => settle(() => resolve(false)))
    // flock -E 75: the lock is held elsewhere. The stream reports a non-zero exit as an error
    // whose detail is `exit <code>` (main/ssh/streams.ts).
    stream.on('error', (err: unknown) =>
      settle(() =>
        err instanceof LabError && err.data.detail === 'exit 75' ? resolve(false) : reject(err),
      ),
    )
    controller.signal.addEventListener('abort', () => {
      if (!state.released) settle(() => reject(labError('aborted', `lock of ${device} aborted`)))
    })
  })
  if (!locked) {
    release()
    if (options.signal?.aborted) throw labError('aborted', `lock of ${device} aborted`)
    const command = lockOwnerCommand(device)
    const r = await runner.exec(command, {
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    })
    const holder = r.stdout.trim()
    if (r.code === 0 && holder !== '') {
      throw labError('host-busy', `${device} locked by ${holder}`, {
        device,
        host: runner.target,
        detail: holder,
      })
    }
    // No owner file: flock never ran (missing flock(1), /run/replab not writable), not a holder.
    throw labError(
      'command-failed',
      `could not take the advisory lock of ${device} on ${runner.target}: is flock(1) installed and /run/replab writable?`,
      { device, host: runner.target, command: lockCommand(device, owner), detail: r.stderr.trim() },
    )
  }
  stream.on('close', () => {
    if (!state.released) state.lost = true
  })
  return {
    owner,
    get lost() {
      return state.lost
    },
    release,
  }
}
