import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { SessionLog } from '../../../main/service/session-log'

describe('session log', () => {
  it('keeps bytes as they came: a UTF-8 sequence split between chunks, raw ESC, a marker', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'replab-slog-'))
    try {
      const log = new SessionLog(join(dir, 'trace.log'))
      await log.open()
      const mu = Buffer.from('µs → ✓\n', 'utf8')
      log.write(mu.subarray(0, 1)) // half of µ
      log.write(mu.subarray(1))
      log.write(Buffer.from('a\x1b[2Kb\nsecond line\npart'))
      log.marker('parked: PF unbind')
      await log.close()
      const lines = (await readFile(join(dir, 'trace.log'), 'utf8')).split('\n')
      const stamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /
      expect(lines.every((l, i) => i === lines.length - 1 || stamp.test(l))).toBe(true)
      expect(lines.map((l) => l.replace(stamp, ''))).toEqual([
        'µs → ✓',
        'a\x1b[2Kb',
        'second line',
        'part',
        '--- parked: PF unbind ---',
        '',
      ])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
