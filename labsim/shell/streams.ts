import { abortError } from '../model/clock'

/** Thrown by `OutStream.write` when the reader went away (the shell's SIGPIPE, exit 141). */
export class BrokenPipe extends Error {
  constructor() {
    super('broken pipe')
    this.name = 'BrokenPipe'
  }
}

/** Where a command writes. `write` resolves once the consumer can take more (backpressure). */
export interface OutStream {
  write(text: string): Promise<void>
}

/** Where a command reads. `read` resolves with the next chunk, or null at end of input. */
export interface InStream {
  read(signal?: AbortSignal): Promise<string | null>
  /** Puts back text that was read but not consumed (so `read` line-by-line does not over-read). */
  unread(text: string): void
}

/** Collects everything written (command substitution, tests). */
export class BufferSink implements OutStream {
  text = ''
  async write(text: string): Promise<void> {
    this.text += text
  }
}

/** Discards output (`/dev/null`). */
export const nullSink: OutStream = { write: async () => undefined }

/** Input that is always at EOF (`</dev/null`, exec channels after EOF). */
export function emptyInput(): InStream {
  return stringInput('')
}

/** Input that yields `text` once and then EOF. */
export function stringInput(text: string): InStream {
  const pending: string[] = text === '' ? [] : [text]
  return {
    read: async () => pending.shift() ?? null,
    unread: (rest) => {
      if (rest !== '') pending.unshift(rest)
    },
  }
}

const HIGH_WATER = 64 * 1024

/**
 * An in-memory pipe between two commands, with backpressure both ways.
 *
 * The writer blocks above 64 KiB buffered (like a pipe buffer); when the reader closes,
 * pending and later writes throw `BrokenPipe`.
 */
export class Pipe implements OutStream, InStream {
  private chunks: string[] = []
  private size = 0
  private ended = false
  private readerClosed = false
  private wakeReader: (() => void) | undefined
  private wakeWriter: (() => void) | undefined

  async write(text: string): Promise<void> {
    if (this.readerClosed) throw new BrokenPipe()
    if (text === '') return
    this.chunks.push(text)
    this.size += text.length
    this.wakeReader?.()
    while (this.size > HIGH_WATER && !this.readerClosed) {
      await new Promise<void>((resolve) => (this.wakeWriter = resolve))
    }
    if (this.readerClosed) throw new BrokenPipe()
  }

  async read(signal?: AbortSignal): Promise<string | null> {
    while (this.chunks.length === 0 && !this.ended) {
      if (signal?.aborted) throw abortError()
      await new Promise<void>((resolve) => {
        this.wakeReader = resolve
        signal?.addEventListener('abort', () => resolve(), { once: true })
      })
    }
    const chunk = this.chunks.shift()
    if (chunk === undefined) return null
    this.size -= chunk.length
    this.wakeWriter?.()
    return chunk
  }

  unread(text: string): void {
    if (text === '') return
    this.chunks.unshift(text)
    this.size += text.length
  }

  /** Writer side finished: the reader sees EOF after the buffered data. */
  end(): void {
    this.ended = true
    this.wakeReader?.()
  }

  /** Reader side finished: the writer gets `BrokenPipe`. */
  closeReader(): void {
    this.readerClosed = true
    this.chunks = []
    this.size = 0
    this.wakeWriter?.()
  }
}

/** Reads everything until EOF. */
export async function readAll(input: InStream, signal?: AbortSignal): Promise<string> {
  let text = ''
  for (;;) {
    const chunk = await input.read(signal)
    if (chunk === null) return text
    text += chunk
  }
}

/** Reads one line (without its newline); null at EOF with nothing read. */
export async function readLine(input: InStream, signal?: AbortSignal): Promise<string | null> {
  let text = ''
  for (;;) {
    const chunk = await input.read(signal)
    if (chunk === null) return text === '' ? null : text
    const nl = chunk.indexOf('\n')
    if (nl >= 0) {
      input.unread(chunk.slice(nl + 1))
      return text + chunk.slice(0, nl)
    }
    text += chunk
  }
}

/** Writes each line of an async source, stopping when `signal` aborts. */
export async function pump(
  lines: AsyncIterable<string>,
  out: OutStream,
  signal: AbortSignal,
): Promise<void> {
  for await (const line of lines) {
    if (signal.aborted) return
    await out.write(line)
  }
}
