import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { requireSystemDeps } from './system-deps'

const run = promisify(execFile)

/** A tiny tmpfs for disk-full tests; `release()` unmounts it and removes the mount point. */
export interface TinyDisk {
  readonly dir: string
  release(): Promise<void>
}

/**
 * Mounts a tmpfs of `sizeBytes` (default 64 KiB) on a fresh temp directory. Needs root and
 * util-linux `mount`: without them, or where mounting is not permitted (no CAP_SYS_ADMIN, a
 * container), it rejects with an error naming the package or mount's own message.
 */
export async function mountTinyDisk(sizeBytes = 64 * 1024): Promise<TinyDisk> {
  requireSystemDeps(['root', 'mount', 'umount'])
  const dir = await mkdtemp(join(tmpdir(), 'replab-full-'))
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir])
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw new Error(
      `cannot mount a ${sizeBytes}-byte tmpfs for the disk-full tests (they need root with ` +
        `CAP_SYS_ADMIN): ${(err as Error).message.split('\n')[0]}`,
      { cause: err },
    )
  }
  return {
    dir,
    async release() {
      await run('umount', [dir]).catch(() => run('umount', ['-l', dir]))
      await rm(dir, { recursive: true, force: true })
    },
  }
}
