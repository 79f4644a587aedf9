import type { Readable, Writable } from 'node:stream'
import { abortErr } from '../shell/signals'
import { BrokenPipe, Pipe } from '../shell/streams'
import type { OutStream } from '../shell/streams'

/**
 * Output to an SSH channel with backpressure: when `write()` returns false the writer waits
 * for 'drain' (or the channel closing, which turns into `BrokenPipe`). With `crlf`, `\n`
 * becomes `\r\n` (a PTY's onlcr).
 *
 * With `signal` (the command's), a write blocked on a full channel — the client paused reading,
 * e.g. a terminal pane whose ack window is full — rejects with an AbortError as soon as the
 * command is interrupted, like a write(2) interrupted by SIGINT; later writes reject at once.
 * Bytes already handed to the channel stay queued and are still delivered.
 */
export function channelSink(stream: Writable, crlf = false, signal?: AbortSignal): OutStream {
  return {
    write: async (text) => {
      if (signal?.aborted) throw abortErr()
      if (stream.destroyed || stream.writableEnded) throw new BrokenPipe()
      const data = crlf ? text.replace(/\r?\n/g, '\r\n') : text
      if (stream.write(data)) return
      await drained(stream, signal)
    },
  }
}

/** Resolves on 'drain'; rejects with `BrokenPipe` on 'close', with an AbortError on `signal`. */
function drained(stream: Writable, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: Error): void => {
      stream.off('drain', done)
      stream.off('close', closed)
      signal?.removeEventListener('abort', aborted)
      if (error) reject(error)
      else resolve()
    }
    const done = (): void => settle()
    const closed = (): void => settle(new BrokenPipe())
    const aborted = (): void => settle(abortErr())
    stream.once('drain', done)
    stream.once('close', closed)
    signal?.addEventListener('abort', aborted, { once: true })
  })
}

/** A channel's incoming data as a shell input stream (EOF when the client sends EOF). */
export function channelInput(stream: Readable): Pipe {
  const pipe = new Pipe()
  stream.on(
    'data',
    (chunk: Buffer) => void pipe.write(chunk.toString('utf8')).catch(() => undefined),
  )
  stream.on('end', () => pipe.end())
  stream.on('close', () => pipe.end())
  return pipe
}
