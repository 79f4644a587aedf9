import { describe, expect, it } from 'vitest'

import { drillRequest, harness, type Harness } from './harness'

// Issue 20, "Journal and audit": one damaged byte in a `change` line made `drill restore` skip
// (or, worse, misread) that change and exit 0; a torn first line or an empty file hid the run
// from `drill history`. Every journal line now carries a CRC-32; restore stops on a damaged line
// that may be a change and names it, until the user skips it by number; history lists damaged
// runs as damaged with what can still be restored.

/** A late-ib-reps run that "crashed" (the disk died) after six journal lines. */
async function crashedRun(): Promise<{ h: Harness; runId: string; lines: string[] }> {
  const h = harness()
  h.journal.failAfter = 6 // start, change, step, change, step, change
  await h.engine.runDrill(drillRequest('late-ib-reps')).catch(() => undefined)
  h.journal.failAfter = undefined
  const [runId, lines] = [...h.journal.runs.entries()][0]!
  return { h, runId, lines }
}

function lineOf(lines: string[], pattern: RegExp): number {
  const i = lines.findIndex((l) => pattern.test(l))
  if (i < 0) throw new Error(`no journal line matches ${pattern}`)
  return i
}

describe('journal checksums', () => {
  it('every line carries a crc32 that matches its JSON', async () => {
    const { lines } = await crashedRun()
    expect(lines.length).toBe(6)
    for (const l of lines) expect(l).toMatch(/,"crc32":"[0-9a-f]{8}"\}$/)
  })

  it('a change line with one changed byte stops the restore, named, until it is skipped', async () => {
    const { h, runId, lines } = await crashedRun()
    const before = h.host.snapshot()
    expect(before.devices[0]?.pci?.numvfs).toBeGreaterThan(0)
    // numvfs was 0 before the drill; one byte makes the journal say 4 (still valid JSON).
    const i = lineOf(lines, /"kind":"numvfs".*"original":0/)
    lines[i] = lines[i]!.replace('"original":0', '"original":4')
    const log = h.host.log.length
    const err = await h.engine.resumeRestore(runId).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'parse-error' })
    expect((err as Error).message).toContain(`journal line ${i + 1} is damaged (checksum mismatch)`)
    expect((err as Error).message).toContain(`--skip-damaged ${i + 1}`)
    expect(h.host.log.slice(log)).toEqual([]) // nothing ran, not even the lock
    expect(h.journal.runs.get(runId)).toEqual(lines) // nothing journaled
    expect(h.host.snapshot().devices[0]?.pci?.numvfs).toBe(before.devices[0]?.pci?.numvfs)

    const report = await h.engine.resumeRestore(runId, { skipDamaged: [i + 1] })
    expect(report.restored).toContain('mode:pci/0000:08:00.0')
    expect(report.restored).not.toContain('numvfs:pci/0000:08:00.0')
    expect(h.host.snapshot().devices[0]?.eswitch?.mode).toBe('legacy')
  })

  it('history lists a torn first line and an empty file as damaged, with what is restorable', async () => {
    const { h, runId, lines } = await crashedRun()
    lines[0] = lines[0]!.slice(0, 40) // the start line torn
    h.journal.runs.set('zz-empty', [])
    const runs = await h.engine.listRuns()
    const torn = runs.find((r) => r.runId === runId)
    expect(torn).toMatchObject({ status: 'damaged', drill: 'unknown', device: 'pci/0000:08:00.0' })
    expect(torn?.damaged?.lines).toEqual([1])
    expect(torn?.damaged?.restorable).toEqual(
      expect.arrayContaining(['mode:pci/0000:08:00.0', 'numvfs:pci/0000:08:00.0']),
    )
    expect(torn?.damaged?.message).toMatch(/^start line unreadable; line 1 \(start\)/)
    const empty = runs.find((r) => r.runId === 'zz-empty')
    expect(empty).toMatchObject({ status: 'damaged', steps: 0 })
    expect(empty?.damaged?.message).toMatch(/empty journal/)
    // A start-less run is never restored blind: the error hands over the commands to run.
    const err = await h.engine.resumeRestore(runId).catch((e: unknown) => e)
    expect((err as Error).message).toMatch(/start line is unreadable/)
    expect((err as Error).message).toContain(
      'replab op <target> eswitch-mode pci/0000:08:00.0 legacy',
    )
  })

  it('a sealed journal with an unsealed line reports it damaged', async () => {
    const { h, runId, lines } = await crashedRun()
    const i = lineOf(lines, /"t":"step"/)
    lines[i] = lines[i]!.replace(/,"crc32":"[0-9a-f]{8}"\}$/, '}')
    const run = await h.engine.readRun(runId)
    expect(run.damaged).toMatchObject([{ line: i + 1, reason: 'checksum missing', kind: 'step' }])
    // A damaged step line hides no change: the restore goes ahead.
    const report = await h.engine.resumeRestore(runId)
    expect(report.status).toBe('interrupted')
  })
})

describe('host identity of older journals', () => {
  it('a journal without identity or checksums is refused unless --ignore-host-identity', async () => {
    const { h, runId, lines } = await crashedRun()
    for (let i = 0; i < lines.length; i++) {
      const entry = JSON.parse(lines[i]!) as Record<string, unknown>
      delete entry.crc32
      delete entry.identity
      lines[i] = JSON.stringify(entry)
    }
    expect((await h.engine.readRun(runId)).damaged).toEqual([])
    const err = await h.engine.resumeRestore(runId).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'host-mismatch' })
    expect((err as Error).message).toMatch(/journaled without a host identity/)
    expect((err as Error).message).toMatch(/--ignore-host-identity/)
    const report = await h.engine.resumeRestore(runId, { ignoreHostIdentity: true })
    expect(report.restored).toEqual(
      expect.arrayContaining(['mode:pci/0000:08:00.0', 'numvfs:pci/0000:08:00.0']),
    )
    expect(h.host.snapshot().devices[0]?.pci?.numvfs).toBe(0)
  })
})
