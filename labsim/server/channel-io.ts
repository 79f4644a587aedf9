import type { Readable, Writable } from 'node:stream'
import { BrokenPipe, Pipe } from '../shell/streams'
import type { OutStream } from '../shell/streams'

/**
 * Output to an SSH channel with backpressure: when `write()` returns false the writer waits
 * for 'drain' (or the channel closing, which turns into `BrokenPipe`). With `crlf`, `\n`
 * becomes `\r\n` (a PTY's onlcr).
 */
export function channelSink(stream: Writable, crlf = false): OutStream {
  return {
    write: async (text) => {
      if (stream.destroyed || stream.writableEnded) throw new BrokenPipe()
      const data = crlf ? text.replace(/\r?\n/g, '\r\n') : text
      if (stream.write(data)) return
      await new Promise<void>((resolve, reject) => {
        const done = (): void => {
          stream.off('drain', done)
          stream.off('close', closed)
          resolve()
        }
        const closed = (): void => {
          stream.off('drain', done)
          reject(new BrokenPipe())
        }
        stream.once('drain', done)
        stream.once('close', closed)
      })
    },
  }
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
