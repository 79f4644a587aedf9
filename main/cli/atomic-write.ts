import { open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

import { labError } from '../../contract'

/**
 * Writes `content` to `path` so that a crash or a full disk never leaves a partial file looking
 * complete: a temp file in the same directory, fsync, then rename. On failure the temp file is
 * removed and an `io-error` naming the path is raised.
 */
export async function writeFileAtomic(path: string, content: string, mode = 0o644): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}`)
  try {
    const fh = await open(tmp, 'w', mode)
    try {
      await fh.writeFile(content, 'utf8')
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw labError('io-error', `could not write ${path}: ${(err as Error).message}`)
  }
}
