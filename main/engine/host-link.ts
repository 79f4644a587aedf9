import { PassThrough } from 'node:stream'

import { LabError, labError, toErrorData } from '../../contract'
import type { HostSnapshot, LabErrorData } from '../../contract'
import { acquireRemoteLock, type DeviceLocks, type Release, type RemoteLock } from './locks'
import type { CommandRunner, HostPorts } from './ports'
import { isConnectionLossError, pause, rediscover } from './reconnect'

/**
 * The one owner of a drill's (or a resumed restore's) link to its host: the SSH connection as
 * seen through the engine's ports, the in-process lifecycle lock and the remote flock(1) lock of
 * the device. A dropped SSH connection ends the channel holding the flock, so the host releases
 * it (sshd kills `cat` under flock(1)); the link then
 *
 * - refuses every command with `ssh-connect` until the lock is retaken (`runner`), so nothing
 *   runs on a device nobody holds;
 * - waits, bounded, for main/ssh to reconnect and re-discovers the host (`reconnect`);
 * - retakes the remote lock with the same owner line (`retakeLock`); an owner file still naming
 *   this link (the host has not yet ended the dropped channel) is retried until the timeout,
 *   another owner means the device is theirs now (`lock-lost`, remembered in `takenBy`);
 * - emits what happened as `LinkEvent`s, to listeners (`on`) and as the methods' results.
 *
 * The drill context (drill-context.ts) sequences steps and turns these events into findings
 * (connection-lost.ts); the restore pass (restore-run.ts) uses the same methods. Nothing else in
 * the engine reconnects or relocks.
 */

/** What happened to the link, as the methods report and listeners hear it. */
export type LinkEvent =
  /** The host answered again: how long the wait took (ms) and the fresh snapshot. */
  | { readonly kind: 'back'; readonly waitedMs: number; readonly snapshot: HostSnapshot }
  /** The host did not answer within the timeout (or the wait was cancelled: code `aborted`). */
  | { readonly kind: 'offline'; readonly error: LabErrorData }
  /** The remote lock a drop released was retaken with the same owner line. */
  | { readonly kind: 'lock-retaken' }
  /** Another console took the remote lock while the connection was down (`host-busy`). */
  | { readonly kind: 'lock-lost'; readonly by: LabError }
  /** The remote lock could not be retaken (timeout, connection still lost). */
  | { readonly kind: 'lock-failed'; readonly error: LabErrorData }

/** Bounds of one wait of the link: ms, and the cancel signal (none: restores run after abort). */
export interface LinkWait {
  readonly timeoutMs: number
  readonly signal?: AbortSignal
}

/** What `recover` did: the reconnect's event, then the retake's (null: no lock to retake). */
export interface Recovery {
  readonly back: Extract<LinkEvent, { kind: 'back' | 'offline' }>
  readonly lock: Extract<LinkEvent, { kind: 'lock-retaken' | 'lock-lost' | 'lock-failed' }> | null
}

/**
 * What the drill context and the restore pass use of a link (`HostLink` implements it; a drill
 * plan's context has one that refuses everything).
 */
export interface Link {
  readonly ports: HostPorts
  readonly target: string
  readonly lost: boolean
  readonly takenBy: LabError | undefined
  on(listener: (event: LinkEvent) => void): () => void
  reconnect(wait: LinkWait): Promise<Recovery['back']>
  retakeLock(wait: LinkWait): Promise<Recovery['lock']>
  recover(wait: LinkWait): Promise<Recovery>
  read(wait: LinkWait): Promise<HostSnapshot>
  releaseLocal(): void
  release(): void
}

/** The locks a link holds: released once, by the link's owner (`release`). */
interface Held {
  readonly local: Release
  remote: RemoteLock
  readonly owner: string
}

/** One host link; build it with `HostLink.take`. */
export class HostLink implements Link {
  private readonly listeners = new Set<(event: LinkEvent) => void>()
  private pending: Promise<LabError | undefined> | undefined
  private taken: LabError | undefined
  /** The ports as the drill uses them: `runner` refuses while the remote lock is lost. */
  readonly ports: HostPorts

  private constructor(
    private readonly raw: HostPorts,
    readonly device: string,
    private readonly held: Held,
  ) {
    this.ports = { ...raw, runner: this.guard(raw.runner) }
  }

  /**
   * Takes the in-process lock (`<hostId>|<device>`), then the remote advisory lock of `device`,
   * and answers the link holding both. Rejects `host-busy` (either lock held), `timeout` or
   * `aborted`; holds nothing on rejection.
   */
  static async take(
    ports: HostPorts,
    locks: DeviceLocks,
    device: string,
    owner: string,
    wait: Required<Pick<LinkWait, 'timeoutMs'>> & { readonly signal: AbortSignal },
  ): Promise<HostLink> {
    const local = locks.tryAcquire(`${ports.hostId}|${device}`, owner)
    try {
      const remote = await acquireRemoteLock(ports.runner, device, owner, wait)
      return new HostLink(ports, device, { local, remote, owner })
    } catch (err) {
      local()
      throw err
    }
  }

  /** `user@host:port`. */
  get target(): string {
    return this.raw.runner.target
  }

  /** True while the remote lock's channel has ended and the lock was not retaken. */
  get lost(): boolean {
    return this.held.remote.lost
  }

  /** Who took the device while we were disconnected (the `host-busy` of a retake), if anyone. */
  get takenBy(): LabError | undefined {
    return this.taken
  }

  /** Subscribes to the link's events; returns the unsubscribe function. */
  on(listener: (event: LinkEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Waits (up to `timeoutMs`) for the host to answer a fresh read again (`rediscover`: main/ssh
   * reconnects on its own; only the read is retried, 50 ms doubling to 1 s). Never rejects:
   * `back` with the snapshot, or `offline` with why (the last connection error; code `aborted`
   * when cancelled; a read error that is not a connection loss ends the wait at once).
   */
  async reconnect(wait: LinkWait): Promise<Recovery['back']> {
    try {
      const back = await rediscover(this.raw.source, this.raw.clock, wait)
      return this.emit({ kind: 'back', waitedMs: back.waitedMs, snapshot: back.snapshot })
    } catch (err) {
      return this.emit({ kind: 'offline', error: toErrorData(err) })
    }
  }

  /**
   * Retakes the remote lock when a drop released it; null when nothing was lost (or the link
   * holds no lock). A connection lost again is waited out once (`reconnect`) and the retake
   * tried again. Never rejects: `lock-retaken`, `lock-lost` (another owner; later calls answer
   * it again without a command) or `lock-failed`.
   */
  async retakeLock(wait: LinkWait): Promise<Recovery['lock']> {
    if (!this.lost && !this.taken) return null
    let err = await this.relock(wait)
    if (isConnectionLossError(err) && !wait.signal?.aborted) {
      const back = await this.reconnect(wait)
      if (back.kind === 'back') err = await this.relock(wait)
    }
    if (err === undefined) return this.emit({ kind: 'lock-retaken' })
    if (err === this.taken) return this.emit({ kind: 'lock-lost', by: err })
    return this.emit({ kind: 'lock-failed', error: toErrorData(err) })
  }

  /** After a connection loss: `reconnect`, then, once back, `retakeLock`. Never rejects for the host. */
  async recover(wait: LinkWait): Promise<Recovery> {
    const back = await this.reconnect(wait)
    if (back.kind !== 'back') return { back, lock: null }
    return { back, lock: await this.retakeLock(wait) }
  }

  /**
   * A fresh snapshot; a lost connection is waited out once (`reconnect`) and its snapshot
   * answered. Rejects with the connection error when the host stays silent, with `aborted` when
   * cancelled, and with any other read error as it came.
   */
  async read(wait: LinkWait): Promise<HostSnapshot> {
    try {
      return await this.raw.source.snapshot({
        fresh: true,
        ...(wait.signal ? { signal: wait.signal } : {}),
      })
    } catch (err) {
      if (!isConnectionLossError(err)) throw err
    }
    const back = await this.reconnect(wait)
    if (back.kind === 'back') return back.snapshot
    throw new LabError(back.error)
  }

  /** Drops the in-process lock only (the device went to another console). */
  releaseLocal(): void {
    this.held.local()
  }

  /** Drops both locks; calling it twice is harmless. */
  release(): void {
    this.held.remote.release()
    this.held.local()
  }

  private emit<E extends LinkEvent>(event: E): E {
    for (const l of [...this.listeners]) l(event)
    return event
  }

  /**
   * Retakes the remote lock with the same owner line (one retake at a time). An owner file still
   * naming us is retried, 50 ms doubling to 1 s, until `timeoutMs`. Resolves with the error, or
   * undefined once held; a `host-busy` naming another owner is remembered in `taken`.
   */
  private relock(wait: LinkWait): Promise<LabError | undefined> {
    if (this.taken) return Promise.resolve(this.taken)
    if (!this.lost) return Promise.resolve(undefined)
    this.pending ??= this.retake(wait)
      .then(
        () => undefined,
        (err: unknown) => (err instanceof LabError ? err : labError('internal', String(err))),
      )
      .finally(() => (this.pending = undefined))
    return this.pending
  }

  private async retake(wait: LinkWait): Promise<void> {
    const held = this.held
    const { runner } = this.raw
    held.remote.release()
    const deadline = Date.now() + wait.timeoutMs
    for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
      const timeoutMs = Math.max(1, deadline - Date.now())
      try {
        held.remote = await acquireRemoteLock(runner, this.device, held.owner, {
          timeoutMs,
          ...(wait.signal ? { signal: wait.signal } : {}),
        })
        return
      } catch (err) {
        if (!(err instanceof LabError) || err.code !== 'host-busy') throw err
        if (err.data.detail !== held.owner) throw (this.taken = err)
        if (Date.now() + delay >= deadline) throw this.selfHeld(wait.timeoutMs)
      }
      await pause(delay, wait.signal ?? new AbortController().signal)
      if (wait.signal?.aborted) throw labError('aborted', `lock of ${this.device} aborted`)
    }
  }

  private selfHeld(timeoutMs: number): LabError {
    return labError(
      'timeout',
      `the lock of ${this.device} on ${this.target} was still held by this drill's dropped channel after ${timeoutMs} ms`,
      { device: this.device, host: this.target },
    )
  }

  /**
   * `runner` for steps and restores: while the remote lock is lost, `exec` and `stream` refuse
   * with `ssh-connect`, so a command issued around a reconnect goes through the connection-loss
   * handling (wait, retake the lock) instead of running on a device nobody holds. The retake
   * itself uses the raw runner.
   */
  private guard(runner: CommandRunner): CommandRunner {
    const refuse = (): LabError =>
      labError(
        'ssh-connect',
        `${runner.target}: connection dropped; the remote lock of ${this.device} must be retaken first`,
        { host: runner.target, device: this.device },
      )
    return {
      target: runner.target,
      get hostKey() {
        return runner.hostKey
      },
      exec: (command, options) =>
        this.lost ? Promise.reject(refuse()) : runner.exec(command, options),
      stream: (command, options) => {
        if (!this.lost) return runner.stream(command, options)
        const dead = new PassThrough()
        queueMicrotask(() => dead.destroy(refuse()))
        return dead
      },
    }
  }
}
