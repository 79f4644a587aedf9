import { readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { writeFileAtomic } from '../../../main/cli/atomic-write'
import { createFsJournalStore } from '../../../main/store/journal-store'
import { Inventory } from '../../../main/service/inventory'
import { mountTinyDisk, type TinyDisk } from '../../helpers/fault-tmpfs'

// Issue 9, faults: the disk is full when the journal, a report or the inventory is written. A
// real 64 KiB tmpfs fills up; every write answers a clear `io-error` and nothing partial is left
// looking complete (no truncated file under its final name, temp files removed).

let disk: TinyDisk

beforeAll(async () => {
  disk = await mountTinyDisk(64 * 1024)
})
afterAll(async () => disk?.release())

const BIG = 'x'.repeat(256 * 1024)

/** Fills the disk with a ballast file, leaving at most a few KiB free. */
async function fill(dir: string): Promise<void> {
  await writeFile(join(dir, 'ballast'), 'b'.repeat(60 * 1024)).catch(() => undefined)
}

async function names(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [])
}

describe('disk full', () => {
  it('a report artifact too big for the disk: io-error, no file under its name, no temp', async () => {
    const store = createFsJournalStore(disk.dir)
    await store.append('run-1', '{"t":"start"}')
    await expect(store.writeArtifact('run-1', 'report.json', BIG)).rejects.toMatchObject({
      code: 'io-error',
      message: expect.stringMatching(/disk full|ENOSPC/),
    })
    expect(await names(join(disk.dir, 'runs'))).toEqual(['run-1.jsonl'])
  })

  it('a journal append on a full disk: io-error naming the disk, earlier lines intact', async () => {
    const store = createFsJournalStore(disk.dir)
    await store.append('run-2', '{"t":"start"}')
    await fill(disk.dir)
    await expect(store.append('run-2', `{"pad":"${BIG}"}`)).rejects.toMatchObject({
      code: 'io-error',
      message: expect.stringMatching(/disk full|ENOSPC/),
    })
    // A torn last line (no newline) is dropped on read: only the finished line is returned.
    expect(await store.readRun('run-2')).toEqual(['{"t":"start"}'])
  })

  it('the CLI report writer on a full disk: io-error, no partial report, temp removed', async () => {
    const path = join(disk.dir, 'report.html')
    await expect(writeFileAtomic(path, BIG)).rejects.toMatchObject({ code: 'io-error' })
    const left = await names(disk.dir)
    expect(left.filter((n) => n.includes('report'))).toEqual([])
  })

  it('an unwritable directory gives io-error too (permission denied)', async () => {
    const store = createFsJournalStore(join(disk.dir, 'ballast', 'nested'))
    await expect(store.append('run-3', '{}')).rejects.toMatchObject({ code: 'io-error' })
  })

  // inventory.ts save() unlinks its temp file on failure; put() rolls the entry back.
  it('the inventory on a full disk: io-error and no temp file left', async () => {
    const d = disk
    const inv = new Inventory(join(d.dir, 'inv', 'hosts.json'))
    await inv.load()
    await fill(d.dir)
    const host = { id: 'h1', name: 'x'.repeat(128), host: '127.0.0.1', port: 22, user: 'root' }
    const many = Array.from({ length: 400 }, (_, i) => ({
      ...host,
      id: `h${i}`,
      readOnly: false,
      simulated: false,
    }))
    let error: unknown
    for (const h of many) {
      try {
        await inv.put(h)
      } catch (err) {
        error = err
        break
      }
    }
    expect(error).toMatchObject({ code: 'io-error' })
    expect((await names(join(d.dir, 'inv'))).filter((n) => n.includes('.tmp'))).toEqual([])
    expect((await stat(join(d.dir, 'inv'))).isDirectory()).toBe(true)
  })
})
