import { readdir, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * The total size limit of one host's session logs (`<data dir>/logs/<host>/`): each pane's log
 * rotates on its own (session-log.ts, 4 × 64 MiB), and across panes the oldest files — rotated
 * ones and logs of closed panes — are deleted, oldest modification first, until the directory
 * is back under `maxBytes`. Files being written now are never deleted.
 */

/** Default total of one host's logs: 1 GiB. */
export const HOST_LOG_BUDGET_BYTES = 1024 * 1024 * 1024

/**
 * Deletes the oldest `*.log*` files of `dir` not in `active` until the total is ≤ `maxBytes`.
 * Resolves with the deleted paths; a missing directory is empty. Never rejects (a file that
 * vanished or cannot be removed is skipped).
 */
export async function enforceLogBudget(
  dir: string,
  maxBytes: number,
  active: ReadonlySet<string>,
): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[])
  const files: Array<{ path: string; size: number; mtimeMs: number }> = []
  for (const name of names) {
    if (!/\.log(\.\d+)?$/.test(name)) continue
    const path = join(dir, name)
    const st = await stat(path).catch(() => null)
    if (st?.isFile()) files.push({ path, size: st.size, mtimeMs: st.mtimeMs })
  }
  let total = files.reduce((n, f) => n + f.size, 0)
  const deleted: string[] = []
  for (const f of files.sort((a, b) => a.mtimeMs - b.mtimeMs)) {
    if (total <= maxBytes) break
    if (active.has(f.path)) continue
    if (
      await unlink(f.path).then(
        () => true,
        () => false,
      )
    ) {
      total -= f.size
      deleted.push(f.path)
    }
  }
  return deleted
}
