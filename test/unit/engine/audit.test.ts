import { describe, expect, it } from 'vitest'

import type { AuditEntry } from '../../../contract'
import { createEngine, type Engine } from '../../../main/engine'
import { FakeHost } from '../../helpers/fake-mlx5-host'
import { FakeRunner, FakeSource, MemoryJournal } from './fake-ports'
import { drillRequest } from './harness'

// Issue 20, "Journal and audit": `replab op`, `drill run` and `drill restore` wrote nothing to
// audit.jsonl; only the console did, from its own code. The engine facade now appends every
// mutation whichever front end asked, so every front end gets the same trail.

function rig(): { engine: Engine; entries: AuditEntry[]; host: FakeHost; journal: MemoryJournal } {
  const host = new FakeHost()
  const journal = new MemoryJournal()
  const entries: AuditEntry[] = []
  const engine = createEngine({
    runnerFor: () => new FakeRunner(host),
    snapshotSourceFor: () => new FakeSource(host),
    journal,
    consoleIdentity: { user: 'alice', host: 'laptop' },
    audit: { append: async (e) => void entries.push(e) },
  })
  return { engine, entries, host, journal }
}

describe('the engine audits every mutation', () => {
  it('an operation: who, session, host, device, commands with exit codes', async () => {
    const { engine, entries } = rig()
    const r = await engine.runOperation(
      'fake',
      { op: 'vf-count', device: 'pci/0000:08:00.0', count: 2 },
      { session: 'cli-4242' },
    )
    expect(r.status).toBe('ok')
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatchObject({
      who: 'alice@laptop',
      session: 'cli-4242',
      hostId: 'fake',
      target: 'root@127.0.0.1:2222',
      device: 'pci/0000:08:00.0',
      action: 'vf-count',
      status: 'ok',
      commands: [{ command: r.commands[0]?.command, code: 0 }],
    })
  })

  it('a drill: once when it starts, once with its status and every command when it ends', async () => {
    const { engine, entries } = rig()
    const report = await engine.runDrill(drillRequest('vf-churn'), undefined, { session: 'ws-3' })
    const runs = entries.map((e) => `${e.action} ${e.status} ${e.session}`)
    expect(runs).toEqual([
      `drill vf-churn (run ${report.runId}) started ws-3`,
      `drill vf-churn (run ${report.runId}) passed ws-3`,
    ])
    const commands = report.steps.flatMap((s) => s.commands ?? [])
    expect(entries[1]?.commands.map((c) => c.command)).toEqual(commands)
  })

  it('a resumed restore and a refused one', async () => {
    const { engine, entries, journal } = rig()
    journal.failAfter = 6
    await engine.runDrill(drillRequest('late-ib-reps')).catch(() => undefined)
    journal.failAfter = undefined
    const [runId, lines] = [...journal.runs.entries()][0]!
    // The journal says the run was on another target: refused, audited, nothing run.
    journal.runs.set(
      runId,
      lines.map((l, n) => {
        const e = JSON.parse(l) as Record<string, unknown>
        delete e.crc32
        return JSON.stringify(n === 0 ? { ...e, target: 'root@10.0.0.9:22' } : e)
      }),
    )
    await expect(engine.resumeRestore(runId, { session: 'cli-1' })).rejects.toMatchObject({
      code: 'host-mismatch',
    })
    const report = await engine.resumeRestore(runId, { session: 'cli-2', ignoreHostIdentity: true })
    const restores = entries.filter((e) => e.action === `drill restore (run ${runId})`)
    expect(restores.map((e) => `${e.status} ${e.session}`)).toEqual([
      'refused: host mismatch cli-1',
      `restored ${report.restored?.join(', ')} cli-2`,
    ])
    expect(restores[1]?.commands.length).toBeGreaterThan(0)
  })
})
