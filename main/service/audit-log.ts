import { appendFile, mkdir, open, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'

import { AuditEntry, labError } from '../../contract'

/**
 * Append-only audit trail of every mutating operation, as JSON Lines at `path`, each line
 * fsynced before `append` resolves. Raises `io-error` (e.g. a full disk) naming the file.
 */
export class AuditLog {
  constructor(readonly path: string) {}

  async append(entry: AuditEntry): Promise<void> {
    try {
      await mkdir(dirname(this.path), { recursive: true })
      await appendFile(this.path, `${JSON.stringify(AuditEntry.parse(entry))}\n`, { mode: 0o600 })
      const fh = await open(this.path, 'r')
      await fh.sync().finally(() => fh.close())
    } catch (err) {
      throw labError(
        'io-error',
        `could not write the audit log ${this.path}: ${(err as Error).message}`,
      )
    }
  }

  /**
   * All entries, oldest first; unreadable lines are skipped (a torn last line after a crash).
   * Entries sharing an `id` (a drill's `started`, then its outcome) are one entry: the last one,
   * in the first one's place and with its `at` (`foldUpdates`).
   */
  async read(): Promise<AuditEntry[]> {
    const text = await readFile(this.path, 'utf8').catch(() => '')
    const out: AuditEntry[] = []
    for (const line of text.split('\n')) {
      if (!line.trim()) continue
      try {
        out.push(AuditEntry.parse(JSON.parse(line)))
      } catch {
        // torn or foreign line: skip, never fail the whole log
      }
    }
    return foldUpdates(out)
  }
}

/**
 * Folds entries that share an `id` into one: the latest entry's content, at the first entry's
 * position and time (`at`). The file stays append-only; only the reading updates. Pure.
 */
export function foldUpdates(entries: readonly AuditEntry[]): AuditEntry[] {
  const at = new Map<string, number>()
  const out: AuditEntry[] = []
  for (const e of entries) {
    const i = e.id === undefined ? undefined : at.get(e.id)
    if (i === undefined) {
      if (e.id !== undefined) at.set(e.id, out.length)
      out.push(e)
    } else out[i] = { ...e, at: out[i]!.at }
  }
  return out
}
