import { LabError } from '../../contract/errors'
import type { ChannelHost, ExecChannel } from './channels'
import { commandSignal, killChannel, openExec } from './channels'
import { sshError } from './errors'

/** Options of `captureExec`. */
export interface CaptureOptions {
  /** Kill the remote command after this many ms (outcome `timeout`). */
  readonly timeoutMs: number
  /** Abort: kills the remote process group (outcome `aborted`). */
  readonly signal?: AbortSignal
  /** Bytes of stdout, and of stderr, kept; the rest is counted, not stored. */
  readonly keepBytes: number
}

/**
 * What a command did, also when it did not finish: `exit` (see `code`/`signal`), `timeout` or
 * `aborted` (the remote process group was killed), `error` (it never ran to an exit: no
 * connection, channel refused, connection lost; see `error`). Output is what arrived before.
 */
export interface CapturedExec {
  readonly outcome: 'exit' | 'timeout' | 'aborted' | 'error'
  readonly code: number | null
  readonly signal: string | null
  /** The first `keepBytes` of each stream, UTF-8 decoded (a cut character becomes U+FFFD). */
  readonly stdout: string
  readonly stderr: string
  /** Bytes written to each stream. */
  readonly stdoutBytes: number
  readonly stderrBytes: number
  /** More was written than kept. */
  readonly truncated: boolean
  /** From the call to the end, ms. */
  readonly durationMs: number
  /** Why the outcome is not `exit`: `ssh-timeout`, `aborted`, `ssh-connect`, … naming the host. */
  readonly error?: LabError
}

/** Keeps the first `limit` bytes of a stream and counts all of them. */
class Kept {
  private readonly parts: Buffer[] = []
  private kept = 0
  bytes = 0

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    this.bytes += chunk.length
    const room = this.limit - this.kept
    if (room <= 0) return
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk
    this.parts.push(part)
    this.kept += part.length
  }

  text(): string {
    return Buffer.concat(this.parts).toString('utf8')
  }
}

/** Resolves with the exit status once the channel closes; rejects when `signal` aborts first. */
function drain(
  opened: ExecChannel,
  host: ChannelHost,
  command: string,
  signal: AbortSignal,
  out: Kept,
  err: Kept,
): Promise<{ code: number | null; signal: string | null }> {
  const ch = opened.ch
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      killChannel(ch)
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    ch.on('data', (d: Buffer) => out.add(d))
    ch.stderr.on('data', (d: Buffer) => err.add(d))
    ch.on('close', () => {
      signal.removeEventListener('abort', onAbort)
      const exit = opened.exit()
      if (exit) resolve(exit)
      else
        reject(
          sshError('ssh-connect', host.target, 'channel closed without an exit status', {
            command,
          }),
        )
    })
  })
}

/**
 * Runs `command` on `host` keeping a bounded part of its output, and never rejects: a timeout,
 * an abort or a lost connection is an `outcome`, with the output that came before it (what a
 * broadcast shows for a host that hung after printing). Holds one `execLimiter` slot until the
 * channel closed (or 2 s after a kill whose close never came). Remote killing as `runExec`
 * (channels.ts): the SSH `signal` request with KILL, then close.
 */
export async function captureExec(
  host: ChannelHost,
  command: string,
  options: CaptureOptions,
): Promise<CapturedExec> {
  const started = performance.now()
  const cs = commandSignal(host.target, command, options.timeoutMs, options.signal)
  const out = new Kept(options.keepBytes)
  const err = new Kept(options.keepBytes)
  const done = (
    outcome: CapturedExec['outcome'],
    exit: { code: number | null; signal: string | null } | null,
    error?: LabError,
  ): CapturedExec => ({
    outcome,
    code: exit?.code ?? null,
    signal: exit?.signal ?? null,
    stdout: out.text(),
    stderr: err.text(),
    stdoutBytes: out.bytes,
    stderrBytes: err.bytes,
    truncated: out.bytes > options.keepBytes || err.bytes > options.keepBytes,
    durationMs: performance.now() - started,
    ...(error ? { error } : {}),
  })
  let release: (() => void) | undefined
  try {
    release = await host.execLimiter.acquire(cs.signal)
    const opened = await openExec(host, command, cs.signal)
    const rel = release
    release = undefined
    opened.ch.once('close', rel)
    opened.ch.end()
    const exit = await drain(opened, host, command, cs.signal, out, err).catch((e: unknown) => {
      setTimeout(rel, 2_000).unref()
      throw e
    })
    return done('exit', exit)
  } catch (e) {
    const error = cs.signal.aborted ? cs.signal.reason : e
    const lab =
      error instanceof LabError
        ? error
        : sshError('ssh-connect', host.target, String((error as Error)?.message ?? error), {
            command,
          })
    const outcome =
      lab.code === 'ssh-timeout' ? 'timeout' : lab.code === 'aborted' ? 'aborted' : 'error'
    return done(outcome, null, lab)
  } finally {
    release?.()
    cs.dispose()
  }
}
