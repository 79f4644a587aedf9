import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'

import { afterEach, describe, expect, it, vi } from 'vitest'

import { EventHub } from '../../../main/service/event-hub'
import { enforceLogBudget } from '../../../main/service/log-budget'
import { TerminalManager, type TerminalChannel } from '../../../main/service/terminals'
import { poll } from '../../helpers/poll'

// Issue 20: session logs were named `<kind>-<ISO ms>.log`, so panes opened in the same
// millisecond shared one file, and each pane kept up to 4 × 64 MiB with no overall limit. Now
// the name carries the stream id, and one host's logs stay under a total budget (oldest files
// of closed panes and rotations go first; files being written are never deleted).

const dirs: string[] = []
afterEach(async () => {
  vi.useRealTimers()
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

/** A manager whose panes read from PassThrough streams the test writes to. */
async function rig(limits: ConstructorParameters<typeof TerminalManager>[4] = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'replab-logs-'))
  dirs.push(dir)
  const hub = new EventHub()
  hub.attach({ sessionId: 's1', send: () => {}, sendData: () => {} })
  const outputs: PassThrough[] = []
  const opener = async (): Promise<TerminalChannel> => {
    const output = new PassThrough()
    outputs.push(output)
    return {
      output,
      write: () => {},
      interrupt: () => {},
      resize: () => {},
      close: () => output.end(),
    }
  }
  const terminals = new TerminalManager(hub, dir, opener, async () => null, limits)
  const open = () => terminals.open('s1', { hostId: 'lab-01', kind: 'dmesg', cols: 80, rows: 24 })
  return { dir: join(dir, 'lab-01'), terminals, outputs, open }
}

async function total(dir: string): Promise<number> {
  let n = 0
  for (const f of await readdir(dir)) n += (await stat(join(dir, f))).size
  return n
}

describe('terminal session logs', () => {
  it('two panes opened in the same millisecond write two files', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-12-07T10:00:00.000Z'))
    const r = await rig()
    const [a, b] = await Promise.all([r.open(), r.open()])
    expect(a.logPath).not.toBe(b.logPath)
    expect(a.logPath).toMatch(/\/lab-01\/dmesg-2026-12-07T10-00-00-000Z-t-[0-9a-f]{8}\.log$/)
    await r.terminals.dispose()
  })

  it("one host's logs stay under the total budget; open files are kept", async () => {
    const r = await rig({ logFileBytes: 1_000, hostLogBytes: 3_000 })
    await Promise.all([r.open(), r.open()])
    for (const out of r.outputs)
      for (let i = 0; i < 200; i++)
        out.write(`mlx5_core 0000:08:00.0: line ${i} of a chatty pane\n`)
    // 18 KB went to two panes whose files rotate at 1 KB: without a budget ~8 KB stay on disk.
    await poll(() => r.outputs.every((o) => o.readableLength === 0), { what: 'output consumed' })
    await r.terminals.dispose() // closes the panes: their files are no longer being written
    const third = await r.open() // a new pane enforces the budget before its log starts
    expect(await total(r.dir)).toBeLessThanOrEqual(3_000)
    expect(await readdir(r.dir)).toContain(third.logPath.split('/').pop())
    await r.terminals.dispose()
  })

  it('the budget deletes the oldest files first, never one being written, and stops under it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'replab-budget-'))
    dirs.push(dir)
    const files = ['a.log.2', 'a.log.1', 'a.log', 'b.log', 'notes.txt']
    for (const [i, f] of files.entries()) {
      await writeFile(join(dir, f), 'x'.repeat(1_000))
      await utimes(join(dir, f), 1_000 + i, 1_000 + i) // a.log.2 oldest … notes.txt newest
    }
    const active = new Set([join(dir, 'a.log')])
    const deleted = await enforceLogBudget(dir, 2_000, active)
    expect(deleted.map((p) => p.split('/').pop())).toEqual(['a.log.2', 'a.log.1'])
    expect((await readdir(dir)).sort()).toEqual(['a.log', 'b.log', 'notes.txt'])
    expect(await enforceLogBudget(dir, 500, active)).toEqual([join(dir, 'b.log')])
  })
})
