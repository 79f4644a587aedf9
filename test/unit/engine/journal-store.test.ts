import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { createFsJournalStore } from '../../../main/store/journal-store'
import { createEngine } from '../../../main/engine'
import { FakeHost } from '../../helpers/fake-mlx5-host'
import { FakeRunner, FakeSource } from './fake-ports'
import { drillRequest } from './harness'

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'replab-journal-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('fs journal store', () => {
  it('appends lines durably and reads them back; a torn last line is dropped', async () => {
    const store = createFsJournalStore(dir)
    await store.append('r1', '{"a":1}')
    await store.append('r1', '{"a":2}')
    await appendFile(join(dir, 'runs', 'r1.jsonl'), '{"a":3') // a crash mid-write
    expect(await store.readRun('r1')).toEqual(['{"a":1}', '{"a":2}'])
    expect(await store.listRuns()).toEqual(['r1'])
  })

  it('writes reports atomically and leaves no temp files', async () => {
    const store = createFsJournalStore(dir)
    const path = await store.writeArtifact('r1', 'r1.html', '<html></html>')
    expect(path).toBe(join(dir, 'runs', 'r1.html'))
    expect(await readFile(path, 'utf8')).toBe('<html></html>')
    expect((await readdir(join(dir, 'runs'))).filter((n) => n.endsWith('.tmp'))).toEqual([])
  })

  it('gives typed errors: bad ids, unknown runs, unwritable storage', async () => {
    const store = createFsJournalStore(dir)
    await expect(store.append('../x', '{}')).rejects.toMatchObject({ code: 'invalid-request' })
    await expect(store.append('r', 'a\nb')).rejects.toMatchObject({ code: 'invalid-request' })
    await expect(store.readRun('nope')).rejects.toMatchObject({ code: 'not-found' })
    expect(await store.listRuns()).toEqual([])
    await writeFile(join(dir, 'blocked'), 'a file where a folder should be')
    const broken = createFsJournalStore(join(dir, 'blocked'))
    await expect(broken.append('r1', '{}')).rejects.toMatchObject({ code: 'io-error' })
    await expect(broken.writeArtifact('r1', 'r1.json', '{}')).rejects.toMatchObject({
      code: 'io-error',
    })
  })

  it('carries a whole drill run and its reports', async () => {
    const host = new FakeHost()
    const journal = createFsJournalStore(dir)
    const engine = createEngine({
      runnerFor: () => new FakeRunner(host),
      snapshotSourceFor: () => new FakeSource(host),
      journal,
      consoleIdentity: { user: 'alice', host: 'laptop' },
    })
    const report = await engine.runDrill(drillRequest('vf-churn'))
    expect(report.status).toBe('passed')
    const runs = await engine.listRuns()
    expect(runs.map((r) => r.runId)).toEqual([report.runId])
    const { path } = await engine.exportReport(report.runId ?? '', 'repro')
    expect(await readFile(path, 'utf8')).toMatch(/^#!\/bin\/sh\n/)
  })
})
