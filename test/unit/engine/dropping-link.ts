import { Readable } from 'node:stream'

import { labError } from '../../../contract'
import type { HostSnapshot, SnapshotDiff } from '../../../contract'
import type {
  CommandRunner,
  ExecOptions,
  ExecResult,
  SnapshotSource,
  WaitOptions,
} from '../../../main/engine/ports'
import type { FakeHost } from '../../helpers/fake-mlx5-host'
import { FakeRunner, FakeSource } from './fake-ports'

/**
 * The one fake of an SSH link that drops, for the engine's unit tests: the fake host behind a
 * connection like main/ssh's SshConnection on a dying client. While it is down, execs, lock
 * streams and fresh snapshot reads fail with `ssh-connect`, and waits see no event (they time
 * out). A drop also ends every lock channel: the host releases its flock, as sshd killing the
 * `cat` under flock(1) does. Drops happen when a test calls `drop(ms)` or when a command matches
 * one of the scheduled `drops`.
 */

/**
 * Drops the link for `ms` when a command matches `on`: before it runs, or after it returned (an
 * exec) or opened (a stream, e.g. the lock channel).
 */
export interface Drop {
  readonly on: (command: string) => boolean
  readonly ms: number
  readonly after?: boolean
}

/** The runner side (see the module doc); `source()` gives the snapshot side. */
export class DroppingLink implements CommandRunner {
  readonly target = 'root@127.0.0.1:2222'
  /** Commands and fresh reads that failed because the link was down. */
  failures = 0
  /** Called once per drop, after our channels ended (e.g. another console takes the lock). */
  onDrop: (() => void) | undefined
  private until = 0
  private readonly holders = new Map<string, Readable>()
  private readonly inner: FakeRunner
  private readonly drops: Drop[]

  constructor(
    readonly host: FakeHost,
    drops: readonly Drop[] = [],
  ) {
    this.inner = new FakeRunner(host)
    this.drops = [...drops]
  }

  get isDown(): boolean {
    return Date.now() < this.until
  }

  /** Drops the connection for `ms` (0: a drop the runner reconnected from at once). */
  drop(ms: number): void {
    this.until = Date.now() + ms
    for (const [key, out] of this.holders) {
      this.host.locks.delete(key)
      out.destroy(labError('ssh-connect', `${this.target}: stream lost: channel closed`))
    }
    this.holders.clear()
    this.onDrop?.()
  }

  /** Throws `ssh-connect` while the link is down (and counts it). */
  check(): void {
    if (!this.isDown) return
    this.failures++
    throw labError('ssh-connect', `${this.target}: connection closed by peer`)
  }

  /** Takes the first scheduled drop matching `command` (each fires once). */
  private scheduled(command: string): Drop | undefined {
    const i = this.drops.findIndex((d) => d.on(command))
    return i >= 0 ? this.drops.splice(i, 1)[0] : undefined
  }

  async exec(command: string, options: ExecOptions): Promise<ExecResult> {
    const drop = this.scheduled(command)
    if (drop && !drop.after) this.drop(drop.ms)
    this.check()
    // A round trip: lets a dropped channel's `close` (a nextTick) land, as over a real socket.
    await new Promise((resolve) => setImmediate(resolve))
    this.check()
    const r = await this.inner.exec(command, options)
    if (drop?.after) this.drop(drop.ms)
    return r
  }

  stream(command: string, options: { signal: AbortSignal }): Readable {
    const drop = this.scheduled(command)
    if (drop && !drop.after) this.drop(drop.ms)
    const out = this.open(command, options)
    if (drop?.after) queueMicrotask(() => this.drop(drop.ms))
    return out
  }

  private open(command: string, options: { signal: AbortSignal }): Readable {
    if (this.isDown) {
      const dead = new Readable({ read() {} })
      queueMicrotask(() => dead.destroy(labError('ssh-connect', `${this.target}: closed`)))
      return dead
    }
    // A dropped channel is dead: closing it later (release) must not touch the host's table.
    const channel = new AbortController()
    const before = new Set(this.host.locks.keys())
    const out = this.inner.stream(command, { signal: channel.signal })
    const key = [...this.host.locks.keys()].find((k) => !before.has(k))
    options.signal.addEventListener('abort', () => {
      if (key === undefined || this.holders.get(key) === out) channel.abort()
    })
    if (key !== undefined) {
      this.holders.set(key, out)
      out.once('close', () => {
        if (this.holders.get(key) === out) this.holders.delete(key)
      })
    }
    return out
  }

  /** The snapshot source over this link. */
  source(): SnapshotSource {
    return new DroppingSource(this)
  }
}

/** Fresh reads fail while the link is down; waits started then see no event. */
class DroppingSource implements SnapshotSource {
  private readonly inner: FakeSource
  constructor(private readonly link: DroppingLink) {
    this.inner = new FakeSource(link.host)
  }

  async snapshot(o: { fresh: boolean }): Promise<HostSnapshot> {
    if (!o.fresh) return this.inner.snapshot()
    this.link.check()
    await new Promise((resolve) => setImmediate(resolve))
    this.link.check()
    return this.inner.snapshot()
  }

  onChange(listener: (s: HostSnapshot, d: SnapshotDiff) => void): () => void {
    return this.inner.onChange(listener)
  }

  waitFor(predicate: (s: HostSnapshot) => boolean, o: WaitOptions): Promise<HostSnapshot> {
    return this.inner.waitFor(this.link.isDown ? () => false : predicate, o)
  }
}
