import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'

import { labError } from '../../contract'
import type { JournalStore } from '../engine/ports'

/**
 * The Node file-system journal store of the engine (`main/engine/ports.ts` `JournalStore`):
 * `<dataDir>/runs/<runId>.jsonl`, one JSON line per append, fsynced before `append` resolves;
 * reports next to it, written to a temp file, fsynced and renamed, so a crash or a full disk
 * never leaves a partial file under the final name.
 */

const RUN_ID = /^[A-Za-z0-9._-]{1,128}$/
const NAME = /^[A-Za-z0-9._-]{1,160}$/

function ioError(what: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  const hint = code === 'ENOSPC' ? ' (disk full)' : code === 'EACCES' ? ' (permission denied)' : ''
  return labError(
    'io-error',
    `${what} failed${hint}: ${err instanceof Error ? err.message : String(err)}`,
    {},
    err,
  )
}

function checkId(runId: string): void {
  if (!RUN_ID.test(runId))
    throw labError('invalid-request', `invalid run id ${JSON.stringify(runId)}`)
}

/** fsyncs a directory so a rename in it is durable (best effort: some file systems refuse). */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync().catch(() => undefined)
  } finally {
    await fh.close()
  }
}

/** Creates the store rooted at `dataDir` (the user data directory); folders are made on demand. */
export function createFsJournalStore(dataDir: string): JournalStore {
  const runs = join(dataDir, 'runs')
  const file = (runId: string): string => join(runs, `${runId}.jsonl`)
  return {
    async append(runId, line) {
      checkId(runId)
      if (line.includes('\n'))
        throw labError('invalid-request', 'a journal line must not contain a newline')
      try {
        await mkdir(runs, { recursive: true })
        const fh = await open(file(runId), 'a')
        try {
          await fh.appendFile(`${line}\n`, 'utf8')
          await fh.sync()
        } finally {
          await fh.close()
        }
      } catch (err) {
        throw ioError(`journal append to ${file(runId)}`, err)
      }
    },
    async listRuns() {
      let names: string[]
      try {
        names = await readdir(runs)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw ioError(`listing ${runs}`, err)
      }
      return names
        .filter((n) => n.endsWith('.jsonl'))
        .map((n) => n.slice(0, -6))
        .sort()
    },
    async readRun(runId) {
      checkId(runId)
      let text: string
      try {
        text = await readFile(file(runId), 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT')
          throw labError('not-found', `no run ${runId}`)
        throw ioError(`reading ${file(runId)}`, err)
      }
      const lines = text.split('\n')
      // A crash mid-append leaves a torn last line without its newline: drop it.
      lines.pop()
      return lines.filter((l) => l.length > 0)
    },
    async writeArtifact(runId, name, content) {
      checkId(runId)
      if (!NAME.test(name))
        throw labError('invalid-request', `invalid report name ${JSON.stringify(name)}`)
      const target = join(runs, name)
      const temp = join(runs, `.${name}.${randomBytes(6).toString('hex')}.tmp`)
      try {
        await mkdir(runs, { recursive: true })
        const fh = await open(temp, 'wx')
        try {
          await fh.writeFile(content, 'utf8')
          await fh.sync()
        } finally {
          await fh.close()
        }
        await rename(temp, target)
        await syncDir(runs)
        return target
      } catch (err) {
        await unlink(temp).catch(() => undefined)
        throw ioError(`writing ${target}`, err)
      }
    },
  }
}
