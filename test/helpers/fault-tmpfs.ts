import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A tiny tmpfs for disk-full tests; `release()` unmounts it and removes the mount point. */
export interface TinyDisk {
  readonly dir: string
  release(): Promise<void>
}

/**
 * Mounts a tmpfs of `sizeBytes` (default 64 KiB) on a fresh temp directory. Resolves `null` with
 * the reason in `onSkip` when mounting is not permitted (not root, no CAP_SYS_ADMIN, container).
 */
export async function mountTinyDisk(
  sizeBytes = 64 * 1024,
  onSkip: (reason: string) => void = () => {},
): Promise<TinyDisk | null> {
  const dir = await mkdtemp(join(tmpdir(), 'replab-full-'))
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir])
  } catch (err) {
    onSkip(`cannot mount a tmpfs: ${(err as Error).message.split('\n')[0]}`)
    await rm(dir, { recursive: true, force: true })
    return null
  }
  return {
    dir,
    async release() {
      await run('umount', [dir]).catch(() => run('umount', ['-l', dir]))
      await rm(dir, { recursive: true, force: true })
    },
  }
}
