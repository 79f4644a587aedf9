import { labError } from '../../contract/errors'
import type { HostSnapshot } from '../../contract/snapshot'
import { createMonitorDecoder } from './monitor-decoder'
import type { MonitorEvent } from './monitor-events'
import type { CommandRunner } from './ports'

/**
 * Pieces of the host watcher: one monitor stream decoded into events, and the snapshot wait
 * behind `HostWatcher.waitFor`.
 */

/** The `aborted` error of a closed watcher or an aborted request. */
export function abortedError(host: string): Error {
  return labError('aborted', 'host watcher closed or request aborted', { host })
}

/** Callbacks of `openMonitor`. */
export interface MonitorSink {
  onEvent(event: MonitorEvent): void
  /** The stream ended, failed or was aborted (called once). */
  onDown(): void
  /**
   * The stream printed a value larger than the splitter's limit without ending it (a flood):
   * the stream was cut (remote command killed) and `onDown` follows. `heldChars` is what the
   * splitter held at the cut, `head` the value's first characters.
   */
  onOverflow?(heldChars: number, head: string): void
  /**
   * The stream printed output that decodes to no event before any event (monitor-decoder.ts):
   * the stream was cut (remote command killed) and `onDown` follows.
   */
  onUnknown?(text: string): void
}

/**
 * Opens `command` as a stream and feeds what it prints to `sink` as events (monitor-decoder.ts:
 * JSON or iproute2's text form). Returns false when the stream could not be opened; `onDown` is
 * then not called.
 */
export function openMonitor(
  runner: CommandRunner,
  kind: 'devlink' | 'ip',
  command: string,
  signal: AbortSignal,
  sink: MonitorSink,
  maxValueChars?: number,
): boolean {
  let cut: (() => void) | null = null
  let head = ''
  const decoder = createMonitorDecoder(
    kind,
    {
      onEvent: (e) => sink.onEvent(e),
      onUnknown: (text) => {
        sink.onUnknown?.(text)
        cut?.()
      },
      onOverflow: (held) => {
        sink.onOverflow?.(held, head)
        cut?.()
      },
    },
    maxValueChars,
  )
  try {
    const stream = runner.stream(command, { signal })
    cut = () => stream.destroy()
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => {
      if (head.length < 80) head = (head + chunk).slice(0, 80)
      decoder.push(chunk)
    })
    let down = false
    const onDown = (): void => {
      if (down) return
      down = true
      decoder.end()
      sink.onDown()
    }
    stream.on('end', onDown)
    stream.on('close', onDown)
    stream.on('error', onDown)
    return true
  } catch {
    return false
  }
}

/** Inputs of `waitForSnapshot`. */
export interface WaitForInput {
  readonly predicate: (s: HostSnapshot) => boolean
  readonly timeoutMs: number
  readonly signal?: AbortSignal
  readonly host: string
  /** Aborted when the watcher closes. */
  readonly closed: AbortSignal
  readonly current: () => HostSnapshot | undefined
  readonly subscribe: (check: (s: HostSnapshot) => void) => () => void
}

/**
 * Resolves with the first snapshot (current or later) satisfying the predicate. Rejects with
 * `timeout` (LabError) after `timeoutMs`, `aborted` on `signal` or close, or what the predicate
 * throws.
 */
export function waitForSnapshot(w: WaitForInput): Promise<HostSnapshot> {
  return new Promise((resolve, reject) => {
    const t: { timer?: ReturnType<typeof setTimeout>; off?: () => void } = {}
    const cleanup = (): void => {
      clearTimeout(t.timer)
      t.off?.()
      w.closed.removeEventListener('abort', onAbort)
      w.signal?.removeEventListener('abort', onAbort)
    }
    const check = (s: HostSnapshot): void => {
      try {
        if (!w.predicate(s)) return
        cleanup()
        resolve(s)
      } catch (err) {
        cleanup()
        reject(err)
      }
    }
    const onAbort = (): void => {
      cleanup()
      reject(abortedError(w.host))
    }
    if (w.closed.aborted || w.signal?.aborted === true) return onAbort()
    t.off = w.subscribe(check)
    w.closed.addEventListener('abort', onAbort, { once: true })
    w.signal?.addEventListener('abort', onAbort, { once: true })
    t.timer = setTimeout(() => {
      cleanup()
      reject(labError('timeout', `condition not met within ${w.timeoutMs} ms`, { host: w.host }))
    }, w.timeoutMs)
    const now = w.current()
    if (now !== undefined) check(now)
  })
}

/** `p`, or `aborted` as soon as `signal` aborts (the underlying work goes on for others). */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal, host: string): Promise<T> {
  if (signal.aborted) return Promise.reject(abortedError(host))
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortedError(host))
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
