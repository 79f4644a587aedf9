import type { Client, ClientChannel, PseudoTtyOptions } from 'ssh2'
import { LabError } from '../../contract/errors'
import type { ExecOptions, ExecResult } from '../host/ports'
import { fuseReadAfter, SeparatorWatch, splitReadAfter } from '../host/read-after'
import type { ChannelLimiter } from './channel-limiter'
import { sshError } from './errors'

/**
 * exec / stream / shell over one ssh2 client. Cancelling or timing out sends the SSH `signal`
 * channel request (RFC 4254 §6.9) with KILL and closes the channel. OpenSSH's sshd handles it in
 * session.c `session_signal_req` with `killpg(s->pid, sig)`: the session's child ran `setsid()`,
 * so the whole process group of the command dies (verified in test/integration/ssh).
 */

/** Hard cap on collected stdout + stderr of one exec, bytes (64 MiB). */
export const MAX_EXEC_OUTPUT = 64 * 1024 * 1024

/** What channels need from a connection. */
export interface ChannelHost {
  /** `user@host:port`. */
  readonly target: string
  /** A ready client; waits while (re)connecting; rejects with a `LabError`. */
  client(signal: AbortSignal): Promise<Client>
  readonly execLimiter: ChannelLimiter
  readonly streamLimiter: ChannelLimiter
  /** Cap on stdout + stderr bytes of one exec (default MAX_EXEC_OUTPUT). */
  readonly maxOutputBytes?: number
}

const OPEN_RETRIES = 6

function isOpenFailure(err: Error): boolean {
  return /open failed|Channel open failure|administratively prohibited|resource shortage/i.test(
    err.message,
  )
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(t)
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** An open exec channel and its exit status, captured from the moment the channel opened. */
export interface ExecChannel {
  readonly ch: ClientChannel
  /** `null` until the server sent exit-status / exit-signal. */
  exit(): { code: number | null; signal: string | null } | null
}

/**
 * Races a channel open against the command's signal: a server that never answers the open (a
 * host rebooting under us) must not outlive the command's timeout. A channel that opens after
 * the abort is killed at once.
 */
function untilAborted(opening: Promise<ExecChannel>, signal: AbortSignal): Promise<ExecChannel> {
  if (signal.aborted) {
    void opening.then(
      (late) => killChannel(late.ch),
      () => {},
    )
    return Promise.reject(signal.reason)
  }
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      void opening.then(
        (late) => killChannel(late.ch),
        () => {},
      )
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    opening.then(
      (opened) => {
        signal.removeEventListener('abort', onAbort)
        resolve(opened)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}

function execOnce(
  client: Client,
  command: string,
  pty: PseudoTtyOptions | undefined,
): Promise<ExecChannel> {
  return new Promise((resolve, reject) => {
    try {
      const cb = (err: Error | undefined, ch: ClientChannel): void => {
        if (err) return reject(err)
        // ssh2 may parse data, exit-status and close from the same TCP read before our awaits
        // resume, so the exit listener must be attached synchronously here.
        let status: { code: number | null; signal: string | null } | null = null
        ch.on('exit', (code: number | null, sig?: string) => {
          status = { code: typeof code === 'number' ? code : null, signal: sig ?? null }
        })
        resolve({ ch, exit: () => status })
      }
      if (pty) client.exec(command, { pty }, cb)
      else client.exec(command, cb)
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)))
    }
  })
}

/**
 * Opens an exec channel, retrying "open failed" (sshd MaxSessions pressure) with a short
 * exponential backoff (10, 20, 40 … ms + jitter). Raises `channel-open-failed` after
 * OPEN_RETRIES attempts, `ssh-connect` for other errors.
 */
export async function openExec(
  host: ChannelHost,
  command: string,
  signal: AbortSignal,
): Promise<ExecChannel> {
  for (let attempt = 0; ; attempt++) {
    const client = await host.client(signal)
    try {
      const opened = await untilAborted(execOnce(client, command, undefined), signal)
      if (signal.aborted) {
        killChannel(opened.ch)
        throw signal.reason
      }
      return opened
    } catch (err) {
      if (err instanceof LabError || signal.aborted) throw signal.aborted ? signal.reason : err
      const e = err as Error
      if (!isOpenFailure(e)) throw sshError('ssh-connect', host.target, e.message, { command }, e)
      if (attempt + 1 >= OPEN_RETRIES) {
        throw sshError(
          'channel-open-failed',
          host.target,
          `${e.message} (${OPEN_RETRIES} attempts)`,
          { command },
          e,
        )
      }
      await delay(10 * 2 ** attempt * (0.5 + Math.random()), signal)
    }
  }
}

/** The ssh2 internals `killChannel` needs (lib/Channel.js, lib/protocol/Protocol.js). */
interface ChannelInternals {
  outgoing?: { id: number; state: string }
  _client?: { _protocol?: { signal(id: number, name: string): void } }
}

/**
 * Sends KILL to the remote process group (see file comment) and closes the channel.
 * ssh2's public `ClientChannel.signal()` is a silent no-op once we have sent EOF (after stdin),
 * although RFC 4254 allows requests after EOF; so the request goes through the protocol object
 * while the channel is `open` or `eof`.
 */
export function killChannel(ch: ClientChannel): void {
  const c = ch as unknown as ChannelInternals
  try {
    const out = c.outgoing
    const proto = c._client?._protocol
    if (out && proto && (out.state === 'open' || out.state === 'eof')) proto.signal(out.id, 'KILL')
    else ch.signal('KILL')
  } catch {
    // channel or connection already gone
  }
  try {
    ch.close()
  } catch {
    // idem
  }
}

/**
 * One abort controller for a remote command: fires with `ssh-timeout` after `timeoutMs`, or with
 * `aborted` when the caller's signal aborts. `dispose()` clears the timer and listener.
 */
export function commandSignal(
  target: string,
  command: string,
  timeoutMs: number | undefined,
  outer: AbortSignal | undefined,
): { signal: AbortSignal; dispose: () => void } {
  const ctl = new AbortController()
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(
          () =>
            ctl.abort(
              sshError('ssh-timeout', target, `command timed out after ${timeoutMs} ms`, {
                command,
              }),
            ),
          timeoutMs,
        )
  const onAbort = (): void => ctl.abort(sshError('aborted', target, 'command aborted', { command }))
  if (outer?.aborted) onAbort()
  else outer?.addEventListener('abort', onAbort, { once: true })
  return {
    signal: ctl.signal,
    dispose: () => {
      if (timer) clearTimeout(timer)
      outer?.removeEventListener('abort', onAbort)
    },
  }
}

interface Collected {
  code: number | null
  signal: string | null
}

function collect(
  opened: ExecChannel,
  host: ChannelHost,
  command: string,
  signal: AbortSignal,
  sink: { out: Buffer[]; err: Buffer[]; watch?: SeparatorWatch | undefined },
): Promise<Collected> {
  const ch = opened.ch
  return new Promise((resolve, reject) => {
    let bytes = 0
    const add = (list: Buffer[], d: Buffer): void => {
      bytes += d.length
      const cap = host.maxOutputBytes ?? MAX_EXEC_OUTPUT
      if (bytes > cap) {
        killChannel(ch)
        fail(
          sshError('command-failed', host.target, `output exceeds ${cap} bytes; command killed`, {
            command,
          }),
        )
        return
      }
      list.push(d)
    }
    const onAbort = (): void => {
      killChannel(ch)
      fail(signal.reason)
    }
    let done = false
    const fail = (e: unknown): void => {
      if (done) return
      done = true
      signal.removeEventListener('abort', onAbort)
      reject(e)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    ch.on('data', (d: Buffer) => {
      sink.watch?.feed(d.toString('latin1'))
      add(sink.out, d)
    })
    ch.stderr.on('data', (d: Buffer) => add(sink.err, d))
    ch.on('close', () => {
      if (done) return
      done = true
      signal.removeEventListener('abort', onAbort)
      const exit = opened.exit()
      if (exit) resolve(exit)
      else
        reject(
          sshError(
            'ssh-connect',
            host.target,
            'channel closed without an exit status (connection lost?)',
            { command },
          ),
        )
    })
  })
}

/**
 * Runs `command` (with `options.readAfter`, fused with that read in one exec: main/host
 * read-after.ts) and collects its output. Never rejects for a non-zero exit (that is `code`);
 * rejects with `invalid-request` (bad timeoutMs), `ssh-timeout`, `aborted`, `channel-open-failed`, `ssh-connect`, or
 * `command-failed` when output exceeds `maxOutputBytes`. Holds one `execLimiter` slot until the
 * channel has closed.
 */
export async function runExec(
  host: ChannelHost,
  command: string,
  options: ExecOptions,
): Promise<ExecResult> {
  if (!(options.timeoutMs > 0) || !Number.isFinite(options.timeoutMs)) {
    throw sshError(
      'invalid-request',
      host.target,
      `exec: timeoutMs must be a positive number of ms, got ${options.timeoutMs}`,
      { command },
    )
  }
  const started = performance.now()
  const cs = commandSignal(host.target, command, options.timeoutMs, options.signal)
  let release: (() => void) | undefined
  try {
    release = await host.execLimiter.acquire(cs.signal).catch((e: unknown) => {
      throw cs.signal.aborted ? cs.signal.reason : e
    })
    // A command fed its own stdin runs alone: the fused form gives the command /dev/null.
    const fuse = options.readAfter && options.stdin === undefined
    const fused = fuse ? fuseReadAfter(command, options.readAfter) : undefined
    const opened = await openExec(host, fused?.command ?? command, cs.signal)
    const ch = opened.ch
    const rel = release
    release = undefined
    ch.once('close', rel)
    const stdin = fused ? fused.stdin : options.stdin
    if (stdin !== undefined) ch.write(stdin)
    ch.end()
    const watch = fused ? new SeparatorWatch(fused.separator) : undefined
    const sink = { out: [] as Buffer[], err: [] as Buffer[], watch }
    const r = await collect(opened, host, command, cs.signal, sink).catch((err: unknown) => {
      // killed (timeout, abort, output cap): a server that never closes the channel must not
      // keep the slot forever
      setTimeout(rel, 2_000).unref()
      throw err
    })
    const result = {
      stdout: Buffer.concat(sink.out).toString('utf8'),
      stderr: Buffer.concat(sink.err).toString('utf8'),
      code: r.code,
      signal: r.signal,
      durationMs: performance.now() - started,
    }
    return fused ? splitReadAfter(result, fused, started, watch?.at) : result
  } finally {
    release?.()
    cs.dispose()
  }
}
