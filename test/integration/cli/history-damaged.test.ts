import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const bin = join(__dirname, '../../../bin/replab.mjs')

// Issue 20: a torn first line or an empty file hid a run from `drill history` with no warning,
// although its `change` lines (device and original values) survived. `replab drill history`
// lists such runs as DAMAGED with what can still be restored. (Restoring one blind is refused
// with the `replab op` commands that do it by hand: test/unit/engine/journal-damage.test.ts.)

describe('replab drill history with damaged journals', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'replab-history-'))
    await mkdir(join(dir, 'runs'))
    await writeFile(join(dir, 'runs', '20261207T100000Z-empty1.jsonl'), '')
    const change = (c: object) => JSON.stringify({ t: 'change', change: c })
    await writeFile(
      join(dir, 'runs', '20261207T110000Z-torn01.jsonl'),
      [
        '{"t":"start","runId":"20261207T110000Z-torn01","hostId":"cli","tar',
        change({ kind: 'mode', device: 'pci/0000:08:00.0', original: 'legacy' }),
        change({ kind: 'numvfs', device: 'pci/0000:08:00.0', original: 0 }),
        '',
      ].join('\n'),
    )
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('lists both as DAMAGED, the torn one with its restorable changes', async () => {
    const { stdout } = await run(process.execPath, [bin, 'drill', 'history', '--data-dir', dir])
    expect(stdout).toContain(
      '20261207T110000Z-torn01  damaged     unknown            pci/0000:08:00.0',
    )
    expect(stdout).toContain(
      '  DAMAGED: start line unreadable; line 1 (start): not JSON (torn or overwritten); still restorable: mode:pci/0000:08:00.0, numvfs:pci/0000:08:00.0',
    )
    expect(stdout).toContain('20261207T100000Z-empty1  damaged')
    expect(stdout).toContain(
      '  DAMAGED: empty journal: the console stopped before its first line was written',
    )
    const json = JSON.parse(
      (await run(process.execPath, [bin, 'drill', 'history', '--data-dir', dir, '--json'])).stdout,
    ) as Array<{ runId: string; status: string; damaged?: { restorable: string[] } }>
    expect(json.map((r) => [r.runId, r.status])).toEqual([
      ['20261207T110000Z-torn01', 'damaged'],
      ['20261207T100000Z-empty1', 'damaged'],
    ])
  })
})
