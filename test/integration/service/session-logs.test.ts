import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { SessionLogChunk, SessionLogFile } from '../../../contract'
import { createBackend, type Backend } from '../../../main/service/backend'

// Issue 18: the session-log browser's back end, through the dispatcher as both front doors use
// it, on real files. Only regular files directly inside <data dir>/logs/<host>/ are listed and
// read; names with paths, dot files, symlinks (to a file or a folder outside), directories and a
// host folder that is itself a symlink out of logs/ are refused.

let dataDir: string
let outside: string
let backend: Backend
const ctx = { sessionId: 's1', signal: new AbortController().signal }

async function call<T>(channel: string, request: unknown): Promise<T> {
  const r = await backend.dispatcher.dispatch(channel, request, ctx)
  if (!r.ok) throw Object.assign(new Error(`${r.error.code}: ${r.error.message}`), r.error)
  return r.value as T
}

const lines = (n: number, tag: string): string =>
  Array.from({ length: n }, (_, i) => `2026-01-01T00:00:00.000Z ${tag} line ${i}\n`).join('')

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'replab-logs-'))
  outside = await mkdtemp(join(tmpdir(), 'replab-outside-'))
  await writeFile(join(outside, 'secret.txt'), 'top secret\n')
  const host = join(dataDir, 'logs', 'sim-a')
  await mkdir(join(host, 'subdir'), { recursive: true })
  await writeFile(join(host, 'dmesg-old.log'), lines(10, 'old'))
  await writeFile(join(host, 'dmesg-new.log'), lines(50_000, 'new'))
  await writeFile(join(host, 'dmesg-new.log.1'), lines(3, 'rotated'))
  await writeFile(join(host, '.hidden'), 'dot file\n')
  await utimes(join(host, 'dmesg-old.log'), new Date(2020, 0, 1), new Date(2020, 0, 1))
  await symlink(join(outside, 'secret.txt'), join(host, 'link.log'))
  await symlink(join(outside, 'missing.txt'), join(host, 'dangling.log'))
  await writeFile(join(dataDir, 'logs', 'root.log'), 'not any host’s\n')
  await symlink(outside, join(dataDir, 'logs', 'evil'))
  backend = await createBackend({ dataDir })
})

afterAll(async () => {
  await backend?.close()
  await rm(dataDir, { recursive: true, force: true })
  await rm(outside, { recursive: true, force: true })
})

describe('session logs', () => {
  it('lists the regular files of the host folder, newest first', async () => {
    const listed = await call<SessionLogFile[]>('logs:list', { hostId: 'sim-a' })
    const names = listed.map((f) => f.name)
    expect([...names].sort()).toEqual(['dmesg-new.log', 'dmesg-new.log.1', 'dmesg-old.log'])
    expect(listed.at(-1)!.name).toBe('dmesg-old.log')
    expect(listed.find((f) => f.name === 'dmesg-old.log')!.bytes).toBe(lines(10, 'old').length)
    expect(await call('logs:list', { hostId: 'never-connected' })).toEqual([])
    await expect(call('logs:list', { hostId: 'evil' })).rejects.toMatchObject({
      code: 'invalid-request',
    })
  })

  it('reads the tail by default and any window by offset, cut to whole lines', async () => {
    const all = lines(50_000, 'new')
    const tail = await call<SessionLogChunk>('logs:read', {
      hostId: 'sim-a',
      name: 'dmesg-new.log',
    })
    expect(tail.size).toBe(all.length)
    expect(tail.end).toBe(all.length)
    expect(tail.text).toBe(all.slice(tail.offset))
    expect(tail.text.startsWith('2026-')).toBe(true)
    expect(tail.text.length).toBeLessThanOrEqual(1024 * 1024)
    const head = await call<SessionLogChunk>('logs:read', {
      hostId: 'sim-a',
      name: 'dmesg-new.log',
      offset: 0,
      length: 1000,
    })
    expect(head.offset).toBe(0)
    expect(head.text).toBe(all.slice(0, head.end))
    expect(head.text.endsWith('\n')).toBe(true)
    const mid = await call<SessionLogChunk>('logs:read', {
      hostId: 'sim-a',
      name: 'dmesg-new.log',
      offset: 12_345,
      length: 5000,
    })
    expect(all.slice(mid.offset, mid.end)).toBe(mid.text)
    expect(all[mid.offset - 1]).toBe('\n')
    const small = await call<SessionLogChunk>('logs:read', {
      hostId: 'sim-a',
      name: 'dmesg-old.log',
    })
    expect(small).toMatchObject({ offset: 0, text: lines(10, 'old') })
  })

  it('refuses every path outside the host folder', async () => {
    for (const [hostId, name, code] of [
      ['sim-a', '../root.log', 'invalid-request'],
      ['sim-a', '../../hosts.json', 'invalid-request'],
      ['sim-a', '/etc/passwd', 'invalid-request'],
      ['sim-a', '.hidden', 'invalid-request'],
      ['sim-a', '..', 'invalid-request'],
      ['sim-a', 'subdir', 'invalid-request'],
      ['sim-a', 'link.log', 'invalid-request'],
      ['sim-a', 'dangling.log', 'invalid-request'],
      ['sim-a', 'a/b', 'invalid-request'],
      ['evil', 'secret.txt', 'invalid-request'],
      ['..', 'root.log', 'invalid-request'],
      ['sim-a', 'missing.log', 'not-found'],
    ]) {
      await expect(
        call('logs:read', { hostId, name }),
        `${hostId} / ${name}`,
      ).rejects.toMatchObject({ code })
    }
  })
})
