import { createWriteStream, type WriteStream } from 'node:fs'
import { mkdir, rename, stat } from 'node:fs/promises'
import { dirname } from 'node:path'

/**
 * Writes one terminal stream to disk: every line prefixed with an ISO timestamp, rotated to
 * `<path>.1` … `<path>.<keep>` when the file passes `maxBytes` (default 64 MiB). Writes are
 * asynchronous; a disk error is reported once through `onError` and logging stops, the stream
 * itself goes on.
 */
export class SessionLog {
  private out: WriteStream | null = null
  private written = 0
  private partial = ''
  private failed = false
  private rotating: Promise<void> | null = null
  /** Blocks written while rotating, as latin1 strings (one character per byte). */
  private held: string[] = []
  private closing = false

  constructor(
    readonly path: string,
    private readonly onError: (err: Error) => void = () => {},
    private readonly maxBytes = 64 * 1024 * 1024,
    private readonly keep = 3,
    /** Told after each rotation (the host's total log budget is enforced then). */
    private readonly onRotated: () => void = () => {},
  ) {}

  /** Opens (creating directories); call once before `write`. */
  async open(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true })
    this.written = await stat(this.path).then(
      (s) => s.size,
      () => 0,
    )
    this.out = this.stream()
  }

  /**
   * Appends a chunk of output (strings as UTF-8); complete lines get a timestamp prefix. Bytes
   * are kept as they came (handled as latin1, 1:1), so a UTF-8 sequence split between two
   * chunks is still whole in the file, and a flood costs one pass per chunk, not one per line.
   */
  write(chunk: Uint8Array | string): void {
    if (this.failed || (!this.out && !this.rotating)) return
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
    const text =
      this.partial +
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
    const end = text.lastIndexOf('\n')
    if (end < 0) {
      this.partial = text
      return
    }
    this.partial = text.slice(end + 1)
    const stamp = `${new Date().toISOString()} `
    const block = `${stamp}${text.slice(0, end).replaceAll('\n', `\n${stamp}`)}\n`
    this.written += block.length
    if (this.out) this.out.write(block, 'latin1')
    else this.held.push(block)
    this.maybeRotate()
  }

  /** Rotates when the file passed `maxBytes`; again after a rotation whose held writes did. */
  private maybeRotate(): void {
    if (this.written <= this.maxBytes || this.rotating || this.failed || this.closing) return
    if (!this.out) return
    this.rotating = this.rotate().finally(() => {
      this.rotating = null
      this.maybeRotate()
    })
  }

  /** Writes a marker line (e.g. `--- parked: PF unbind ---`). */
  marker(text: string): void {
    this.write(`${this.partial ? '\n' : ''}--- ${text} ---\n`)
  }

  /** Flushes the partial line and closes the file. */
  async close(): Promise<void> {
    if (this.partial) this.write('\n')
    this.closing = true
    while (this.rotating) await this.rotating
    const out = this.out
    this.out = null
    if (out) await new Promise<void>((resolve) => out.end(() => resolve()))
  }

  private stream(): WriteStream {
    const s = createWriteStream(this.path, { flags: 'a' })
    s.on('error', (err) => {
      if (this.failed) return
      this.failed = true
      this.onError(err)
    })
    return s
  }

  private async rotate(): Promise<void> {
    const old = this.out
    if (!old) return
    this.out = null
    await new Promise<void>((resolve) => old.end(() => resolve()))
    for (let i = this.keep - 1; i >= 1; i--)
      await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(() => {})
    await rename(this.path, `${this.path}.1`).catch(() => {})
    this.out = this.stream()
    this.written = this.held.reduce((n, b) => n + b.length, 0)
    for (const block of this.held.splice(0)) this.out.write(block, 'latin1')
    this.onRotated()
  }
}
