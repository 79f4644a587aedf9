import { constants } from 'node:fs'
import { lstat, open, readdir, realpath } from 'node:fs/promises'
import { join, sep } from 'node:path'

import {
  labError,
  SessionLogName,
  type SessionLogChunk,
  type SessionLogFile,
  type SessionLogReadRequest,
} from '../../contract'

/**
 * Read-only access to past terminal session logs (session-log.ts writes them) under
 * `<logDir>/<hostId>/`. Only regular files directly in that folder are listed or read: a name
 * with a path in it, a symlink, a directory, or anything whose real path is not inside the
 * folder is refused with `invalid-request`; a missing file is `not-found`.
 */
export class SessionLogs {
  constructor(private readonly logDir: string) {}

  /** The host's log files, newest first. A host without logs has none (not an error). */
  async list(hostId: string): Promise<SessionLogFile[]> {
    const dir = await this.folder(hostId)
    if (!dir) return []
    const names = await readdir(dir).catch(() => [] as string[])
    const files = await Promise.all(
      names
        .filter((n) => SessionLogName.safeParse(n).success)
        .map(async (name) => {
          const st = await lstat(join(dir, name)).catch(() => null)
          return st?.isFile()
            ? { name, bytes: st.size, modifiedAt: st.mtime.toISOString(), at: st.mtimeMs }
            : null
        }),
    )
    return files
      .filter((f) => f !== null)
      .sort((a, b) => b.at - a.at || a.name.localeCompare(b.name))
      .map(({ at: _at, ...f }) => f)
  }

  /**
   * A piece of one log (contract SessionLogChunk): from `offset`, or the tail when it is omitted,
   * at most `length` bytes, cut to whole lines except at the file's own start and end.
   */
  async read(request: SessionLogReadRequest): Promise<SessionLogChunk> {
    const path = await this.file(request.hostId, request.name)
    // O_NOFOLLOW: a symlink swapped in after the checks is refused at open (ELOOP).
    const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch((err: Error) => {
      throw labError('invalid-request', `${request.name} could not be opened: ${err.message}`)
    })
    try {
      const st = await fh.stat()
      if (!st.isFile()) throw labError('invalid-request', `${request.name} is not a regular file`)
      const size = st.size
      const wanted = request.offset ?? Math.max(0, size - request.length)
      const start = Math.min(wanted, size)
      const buf = Buffer.alloc(Math.min(request.length, size - start))
      const { bytesRead } = await fh.read(buf, 0, buf.length, start)
      let bytes = buf.subarray(0, bytesRead)
      let offset = start
      if (start > 0) {
        const nl = bytes.indexOf(10)
        const skip = nl < 0 ? bytes.length : nl + 1
        bytes = bytes.subarray(skip)
        offset += skip
      }
      if (offset + bytes.length < size) {
        const nl = bytes.lastIndexOf(10)
        bytes = bytes.subarray(0, nl + 1)
      }
      return {
        name: request.name,
        size,
        offset,
        end: offset + bytes.length,
        text: bytes.toString('utf8'),
      }
    } finally {
      await fh.close()
    }
  }

  /** The host's folder (its real path, inside the log dir), or null when there is none. */
  private async folder(hostId: string): Promise<string | null> {
    const root = await realpath(this.logDir).catch(() => null)
    const dir = root && (await realpath(join(this.logDir, hostId)).catch(() => null))
    if (!root || !dir) return null
    if (dir !== join(root, hostId))
      throw labError('invalid-request', `the log folder of ${hostId} is not inside ${root}`)
    return dir
  }

  private async file(hostId: string, name: string): Promise<string> {
    if (!SessionLogName.safeParse(name).success)
      throw labError('invalid-request', `${JSON.stringify(name)} is not a plain file name`)
    const dir = await this.folder(hostId)
    const path = dir && join(dir, name)
    const st = path && (await lstat(path).catch(() => null))
    if (!dir || !st) throw labError('not-found', `no session log ${name} of ${hostId}`)
    const real = st.isFile() ? await realpath(path).catch(() => '') : ''
    if (!real.startsWith(dir + sep) || real !== path)
      throw labError(
        'invalid-request',
        `${name} is not a regular file inside ${dir}${sep}: only session logs are readable`,
      )
    return real
  }
}
