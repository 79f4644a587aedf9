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

/** The engine's ports over a `FakeHost`: runner (with the flock lock), source, journal. */

/** CommandRunner over the model; `stream` implements the flock advisory lock. */
export class FakeRunner implements CommandRunner {
  readonly target = 'root@127.0.0.1:2222'
  constructor(readonly host: FakeHost) {}

  async exec(command: string, options: ExecOptions): Promise<ExecResult> {
    if (options.signal?.aborted) throw labError('aborted', 'aborted')
    const r = this.host.run(command)
    return { ...r, signal: null, durationMs: 1 }
  }

  stream(command: string, options: { signal: AbortSignal }): Readable {
    const m = /flock -n -E 75 \/run\/replab\/(\S+)\.lock sh -c .* '([^']*)'$/.exec(command)
    this.host.log.push(command)
    const out = new Readable({ read() {} })
    if (!m) {
      out.push(null)
      return out
    }
    const [, key = '', owner = ''] = m
    if (this.host.locks.has(key)) {
      queueMicrotask(() => out.push(null))
      return out
    }
    this.host.locks.set(key, owner)
    queueMicrotask(() => out.push('locked\n'))
    options.signal.addEventListener('abort', () => {
      this.host.locks.delete(key)
      out.push(null)
    })
    return out
  }
}

/** SnapshotSource over the model: change events from every command, event-driven waits. */
export class FakeSource implements SnapshotSource {
  constructor(readonly host: FakeHost) {}

  async snapshot(): Promise<HostSnapshot> {
    return this.host.snapshot()
  }

  onChange(listener: (s: HostSnapshot, d: SnapshotDiff) => void): () => void {
    return this.host.subscribe(listener)
  }

  waitFor(predicate: (s: HostSnapshot) => boolean, options: WaitOptions): Promise<HostSnapshot> {
    const now = this.host.snapshot()
    if (predicate(now)) return Promise.resolve(now)
    return new Promise((resolve, reject) => {
      const off = this.host.subscribe((s) => {
        if (!predicate(s)) return
        done()
        resolve(s)
      })
      const timer = setTimeout(() => {
        done()
        reject(labError('timeout', `wait timed out after ${options.timeoutMs} ms`))
      }, options.timeoutMs)
      const onAbort = (): void => {
        done()
        reject(labError('aborted', 'wait aborted'))
      }
      options.signal?.addEventListener('abort', onAbort, { once: true })
      function done(): void {
        off()
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', onAbort)
      }
    })
  }
}

/** An in-memory JournalStore that can simulate a crash (stop persisting after N appends). */
export class MemoryJournal {
  readonly runs = new Map<string, string[]>()
  readonly artifacts = new Map<string, string>()
  /** When set, appends beyond this many lines reject with io-error (a crash or full disk). */
  failAfter: number | undefined

  async append(runId: string, line: string): Promise<void> {
    const lines = this.runs.get(runId) ?? []
    if (this.failAfter !== undefined && lines.length >= this.failAfter)
      throw labError('io-error', 'disk full')
    lines.push(line)
    this.runs.set(runId, lines)
  }

  async listRuns(): Promise<string[]> {
    return [...this.runs.keys()].sort()
  }

  async readRun(runId: string): Promise<string[]> {
    const lines = this.runs.get(runId)
    if (!lines) throw labError('not-found', `no run ${runId}`)
    return [...lines]
  }

  async writeArtifact(_runId: string, name: string, content: string): Promise<string> {
    this.artifacts.set(name, content)
    return `/data/runs/${name}`
  }
}
