import { PassThrough } from 'node:stream'

import { LabError, labError } from '../../contract'
import type { CommandRunner } from './ports'
import { pause } from './reconnect'
import { lockCommand, lockOwnerCommand } from './shell'

/**
 * Two locks keep lifecycle work on one card serial: an in-process lock per devlink device (like
 * the series' per-E-Switch `reps_lock`, domain.md §4.2) and a remote flock(1) advisory lock so a
 * second console cannot race this one.
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

/**
 * The locks a drill holds: the in-process lock for the whole run, and the remote lock, which a
 * dropped SSH connection releases on the host (sshd ends the channel, `cat` and flock(1) die).
 */
export interface HeldLocks {
  /** True while the remote lock's channel has ended and the lock was not retaken. */
  readonly lost: boolean
  /** Who took the device while we were disconnected (the `host-busy` of a retake), if anyone. */
  readonly takenBy: LabError | undefined
  /**
   * Retakes the remote lock with the same owner line when its channel ended; resolves at once
   * while it is held. An owner file still naming us (the host has not yet ended the dropped
   * channel) is retried, 50 ms doubling to 1 s, until `timeoutMs`. Rejects `host-busy` (`detail`
   * = the new owner; remembered in `takenBy`, later calls reject with it without a command),
   * `timeout`, a connection-loss code or `aborted`.
   */
  relock(options: { readonly timeoutMs: number; readonly signal?: AbortSignal }): Promise<void>
  /** Drops the in-process lock only (the device went to another console). */
  releaseLocal(): void
  /** Drops both locks; calling it twice is harmless. */
  release(): void
}

/** What `takeLocks` needs of a drill run (drill-runner.ts `DrillRunDeps` has all of it). */
export interface LockDeps {
  readonly locks: DeviceLocks
  readonly ports: { readonly hostId: string; readonly runner: CommandRunner }
  /** `<user> from <console host> since <ISO time>`. */
  readonly owner: string
  readonly signal: AbortSignal
}

/**
 * Takes the in-process lock, then the remote advisory lock of `device`, and answers both as
 * `HeldLocks` (pass them to `runDrill`, which retakes the remote lock after a reconnect).
 * Rejects `host-busy` (either lock held), `timeout` or `aborted`; holds nothing on rejection.
 */
export async function takeLocks(
  deps: LockDeps,
  device: string,
  timeoutMs: number,
): Promise<HeldLocks> {
  const local: Release = deps.locks.tryAcquire(`${deps.ports.hostId}|${device}`, deps.owner)
  let remote: RemoteLock
  try {
    remote = await acquireRemoteLock(deps.ports.runner, device, deps.owner, {
      timeoutMs,
      signal: deps.signal,
    })
  } catch (err) {
    local()
    throw err
  }
  return holdLocks(deps.ports.runner, device, local, remote)
}

/** Wraps the two locks `takeLocks` took into `HeldLocks`. */
function holdLocks(
  runner: CommandRunner,
  device: string,
  local: Release,
  first: RemoteLock,
): HeldLocks {
  let remote = first
  let takenBy: LabError | undefined
  let pending: Promise<void> | undefined
  const retake = async (options: Parameters<HeldLocks['relock']>[0]): Promise<void> => {
    remote.release()
    const deadline = Date.now() + options.timeoutMs
    for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
      const timeoutMs = Math.max(1, deadline - Date.now())
      try {
        remote = await acquireRemoteLock(runner, device, first.owner, { ...options, timeoutMs })
        return
      } catch (err) {
        if (!(err instanceof LabError) || err.code !== 'host-busy') throw err
        if (err.data.detail !== first.owner) throw (takenBy = err)
        if (Date.now() + delay >= deadline) throw selfHeld(device, runner.target, options.timeoutMs)
      }
      await pause(delay, options.signal ?? new AbortController().signal)
      if (options.signal?.aborted) throw labError('aborted', `lock of ${device} aborted`)
    }
  }
  return {
    get lost() {
      return remote.lost
    },
    get takenBy() {
      return takenBy
    },
    relock(options) {
      if (takenBy) return Promise.reject(takenBy)
      if (!remote.lost) return Promise.resolve()
      pending ??= retake(options).finally(() => (pending = undefined))
      return pending
    },
    releaseLocal: local,
    release() {
      remote.release()
      local()
    },
  }
}

function selfHeld(device: string, host: string, timeoutMs: number): LabError {
  return labError(
    'timeout',
    `the lock of ${device} on ${host} was still held by this drill's dropped channel after ${timeoutMs} ms`,
    { device, host },
  )
}

/**
 * `runner` for a drill's steps and restore: while `held`'s remote lock is lost (its channel
 * ended with a dropped connection), `exec` and `stream` refuse with `ssh-connect`, so a command
 * issued around a reconnect goes through the connection-loss handling (wait, retake the lock)
 * instead of running on a device nobody holds. `held.relock` uses the unguarded runner.
 */
export function guardRunner(runner: CommandRunner, held: HeldLocks, device: string): CommandRunner {
  const refuse = (): LabError =>
    labError(
      'ssh-connect',
      `${runner.target}: connection dropped; the remote lock of ${device} must be retaken first`,
      { host: runner.target, device },
    )
  return {
    target: runner.target,
    get hostKey() {
      return runner.hostKey
    },
    exec: (command, options) =>
      held.lost ? Promise.reject(refuse()) : runner.exec(command, options),
    stream: (command, options) => {
      if (!held.lost) return runner.stream(command, options)
      const dead = new PassThrough()
      queueMicrotask(() => dead.destroy(refuse()))
      return dead
    },
  }
}
