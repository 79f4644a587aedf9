import { Readable } from 'node:stream'
import type { Duplex } from 'node:stream'
import type { Client, ClientChannel } from 'ssh2'
import type { StreamOptions } from '../host/ports'
import type { ChannelHost, ExecChannel } from './channels'
import { commandSignal, killChannel, openExec } from './channels'
import { sshError } from './errors'

/** Bytes of stderr kept for the error message of a failed stream. */
const STDERR_TAIL = 4096

/**
 * Runs a long-lived command and returns its stdout as a Readable with real backpressure:
 * when the consumer stops reading, the ssh2 channel is paused; once its buffer is full ssh2 stops
 * sending WINDOW_ADJUST (lib/client.js) and the remote writer blocks. Nothing is dropped.
 *
 * Ends when the command exits 0 or `signal` aborts (remote process group killed). A non-zero
 * exit destroys the stream with `command-failed` carrying the stderr tail; open/connect problems
 * and a connection lost mid-stream destroy it with `channel-open-failed` / `ssh-connect`. Holds one `streamLimiter` slot.
 */
export function openStream(host: ChannelHost, command: string, options: StreamOptions): Readable {
  let ch: ClientChannel | null = null
  let opened: ExecChannel
  let stopped = false
  const out = new Readable({
    highWaterMark: 1024 * 1024,
    read() {
      ch?.resume()
    },
    destroy(err, cb) {
      stopped = true
      if (ch) killChannel(ch)
      cb(err)
    },
  })
  const cs = commandSignal(host.target, command, undefined, options.signal)
  void (async () => {
    const release = await host.streamLimiter.acquire(cs.signal)
    try {
      opened = await openExec(host, command, cs.signal)
      ch = opened.ch
    } catch (err) {
      release()
      throw err
    }
    if (stopped) {
      // the consumer destroyed the stream while the channel was opening
      opened.ch.once('close', release)
      killChannel(opened.ch)
      cs.dispose()
      return
    }
    wire(opened, out, host, command, cs.signal, () => {
      release()
      cs.dispose()
    })
    if (!options.keepStdinOpen) ch.end()
  })().catch((err: unknown) => {
    cs.dispose()
    if (cs.signal.aborted) out.push(null)
    else if (!stopped) out.destroy(err instanceof Error ? err : new Error(String(err)))
  })
  return out
}

function wire(
  opened: ExecChannel,
  out: Readable,
  host: ChannelHost,
  command: string,
  signal: AbortSignal,
  done: () => void,
): void {
  const ch = opened.ch
  let stderr = ''
  const onAbort = (): void => killChannel(ch)
  signal.addEventListener('abort', onAbort, { once: true })
  ch.on('data', (d: Buffer) => {
    if (!out.push(d)) ch.pause()
  })
  ch.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-STDERR_TAIL)
  })
  ch.on('close', () => {
    signal.removeEventListener('abort', onAbort)
    done()
    if (out.destroyed) return
    const exit = opened.exit()
    if (signal.aborted || exit?.code === 0) out.push(null)
    else if (exit === null) {
      out.destroy(
        sshError('ssh-connect', host.target, 'stream lost: channel closed without an exit status', {
          command,
        }),
      )
    } else {
      const how = exit.code === null ? `signal ${exit.signal ?? 'unknown'}` : `exit ${exit.code}`
      const msg = `stream ended with ${how}: ${stderr.trim()}`
      out.destroy(sshError('command-failed', host.target, msg, { command, detail: how }))
    }
  })
}

/** An interactive shell: a Duplex (bytes both ways) plus terminal controls. */
export interface ShellChannel {
  /** Terminal bytes: write keystrokes, read output (pause/resume tied to the SSH window). */
  readonly stream: Duplex
  /** Sends window-change (RFC 4254 §6.7). cols/rows in characters. */
  resize(cols: number, rows: number): void
  /** Sends a signal request (`INT`, `KILL`, …; no `SIG` prefix). */
  signal(name: string): void
  /** Closes the channel. Idempotent. */
  close(): void
}

/** Options of an interactive shell. `term` defaults to `xterm-256color`. */
export interface ShellOptions {
  readonly cols: number
  readonly rows: number
  readonly term?: string
}

/**
 * Opens a PTY shell channel. Raises `channel-open-failed` when the server refuses, `ssh-connect`
 * when the connection is gone.
 */
export function openShell(
  client: Client,
  target: string,
  options: ShellOptions,
): Promise<ShellChannel> {
  return new Promise((resolve, reject) => {
    const pty = { cols: options.cols, rows: options.rows, term: options.term ?? 'xterm-256color' }
    try {
      client.shell(pty, (err, ch) => {
        if (err)
          return reject(sshError('channel-open-failed', target, `shell: ${err.message}`, {}, err))
        resolve({
          stream: ch,
          resize: (cols, rows) => ch.setWindow(rows, cols, 0, 0),
          signal: (name) => ch.signal(name),
          close: () => ch.close(),
        })
      })
    } catch (err) {
      reject(sshError('ssh-connect', target, `shell: ${(err as Error).message}`, {}, err))
    }
  })
}
