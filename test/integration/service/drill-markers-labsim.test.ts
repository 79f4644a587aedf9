import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { poll } from '../../helpers/poll'
import { startTerminalRig, type TerminalRig } from '../../helpers/terminal-rig'

// Issue 21 item 6 on the real path (labsim → SSH → main → pane): a drill writes one marker per
// finished step and one `drill finished: <status>` marker into the host's panes and their logs;
// none twice. (The engine's closing progress event carries the last step again with the final
// status; the bridge used to write a step marker for it, so the last step appeared twice.)

/** Every file under `dir`, recursively. */
async function files(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...(await files(p)))
    else out.push(p)
  }
  return out
}

/** Marker lines (`--- … ---`) of a text, OSC 8 links and SGR codes taken out. */
function markers(text: string): string[] {
  // eslint-disable-next-line no-control-regex -- the escapes are what is stripped
  const plain = text.replace(/\x1b\]8;;[^\x1b]*\x1b\\/g, '').replace(/\x1b\[[0-9;]*m/g, '')
  return plain.split(/\r?\n/).filter((l) => /--- drill /.test(l))
}

describe('drill markers in a pane and its log', () => {
  let rig: TerminalRig

  beforeAll(async () => {
    rig = await startTerminalRig({ hosts: 1, speed: 0.02 })
    await rig.call('hosts:connect', { hostId: 'sim-a' })
  })
  afterAll(async () => {
    await rig?.close()
  })

  it('one marker per step and one "drill finished" marker, in the pane and in its log', async () => {
    const { streamId } = await rig.call<{ streamId: string }>('terminals:open', {
      hostId: 'sim-a',
      kind: 'dmesg',
    })
    await rig.until(
      'the pane to open',
      () => rig.session.statuses.some((s) => s.streamId === streamId && s.state === 'open'),
      30_000,
      streamId,
    )
    const { runId } = await rig.call<{ runId: string }>('drills:start', {
      hostId: 'sim-a',
      kind: 'vf-churn',
      device: 'pci/0000:08:00.0',
      params: { iterations: 1, timeoutMs: 8_000, vfs: 1 },
      confirmed: true,
    })
    await rig.until(
      'the finished marker',
      () => /drill finished: passed/.test(rig.session.text(streamId)),
      60_000,
      streamId,
    )
    const report = await rig.call<{ steps: Array<{ name: string; iteration?: number }> }>(
      'drills:report',
      { runId },
    )
    const pane = markers(rig.session.text(streamId))
    const finished = pane.filter((l) => l.includes('drill finished:'))
    expect(finished).toHaveLength(1)
    expect(finished[0]).toMatch(
      new RegExp(
        `drill finished: passed \\(vf-churn ${runId} on pci/0000:08:00\\.0: ${report.steps.length} steps, 0 findings\\)`,
      ),
    )
    const steps = pane.filter((l) => l.includes(' · iteration '))
    expect(steps).toHaveLength(report.steps.length)
    expect(new Set(steps).size).toBe(steps.length)
    expect(steps.at(-1)).toContain(report.steps.at(-1)!.name)
    // The pane's log on disk says the same, once each.
    const log = await poll(
      async () => {
        for (const f of await files(join(rig.dataDir, 'logs'))) {
          const text = await readFile(f, 'utf8')
          if (text.includes(`drill finished: passed (vf-churn ${runId}`)) return text
        }
        return undefined
      },
      { timeoutMs: 10_000, what: 'the finished marker in the pane log' },
    )
    expect(markers(log).filter((l) => l.includes('drill finished:'))).toHaveLength(1)
    expect(markers(log).filter((l) => l.includes(' · iteration '))).toHaveLength(
      report.steps.length,
    )
    await rig.call('terminals:close', { streamId })
  }, 120_000)
})
