import { describe, expect, it } from 'vitest'

import type { AuditEntry } from '../../../contract'
import { createEngine, type Engine } from '../../../main/engine'
import { foldUpdates } from '../../../main/service/audit-log'
import { poll } from '../../helpers/poll'
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

  it('a drill: one entry updated with its outcome, and one entry per command it sends', async () => {
    const { engine, entries } = rig()
    const report = await engine.runDrill(drillRequest('late-ib-reps'), undefined, {
      session: 'ws-3',
    })
    const runId = report.runId!
    // The drill's own entry: written when it starts, updated (same id) with its outcome.
    const own = entries.filter((e) => e.id === `drill-${runId}`)
    expect(own.map((e) => `${e.action} ${e.status} ${e.session}`)).toEqual([
      `drill late-ib-reps (run ${runId}) started ws-3`,
      `drill late-ib-reps (run ${runId}) passed ws-3`,
    ])
    expect(foldUpdates(entries).filter((e) => e.id === `drill-${runId}`)).toHaveLength(1)
    // Every command the drill sent is an entry of its own: who, when, host, device, command,
    // exit code, duration, and the step it ran in.
    const commands = entries.filter((e) => e.runId === runId && e.id === undefined)
    expect(commands.every((e) => e.commands.length === 1)).toBe(true)
    const sent = commands.map((e) => e.commands[0]!.command)
    for (const c of report.steps.flatMap((s) => s.commands ?? [])) expect(sent).toContain(c)
    for (const e of commands) {
      expect(e).toMatchObject({
        who: 'alice@laptop',
        session: 'ws-3',
        hostId: 'fake',
        target: 'root@127.0.0.1:2222',
        device: 'pci/0000:08:00.0',
      })
      expect(Date.parse(e.at)).not.toBeNaN()
      expect(e.durationMs).toBeGreaterThanOrEqual(0)
    }
    // mlx5_ib load and unload are distinct actions, each under its step.
    expect(commands.find((e) => e.action === 'module unload mlx5_ib')).toMatchObject({
      step: 'unload mlx5_ib',
      status: 'ok',
      commands: [{ command: 'modprobe -r mlx5_ib', code: 0 }],
    })
    expect(commands.find((e) => e.action === 'module load mlx5_ib')).toMatchObject({
      step: 'load mlx5_ib',
      commands: [{ command: 'modprobe mlx5_ib', code: 0 }],
    })
    // The reads around the steps are commands too: the dmesg reads, the probe, the restore,
    // and the lock channel (an entry once it closed, after the drill let go of the device).
    const actions = new Set(commands.map((e) => e.action))
    for (const a of ['dmesg read', 'fault-injection probe', 'restore: vf-count'])
      expect(actions).toContain(a)
    const lock = await poll(() => entries.find((e) => e.runId === runId && e.action === 'lock'), {
      what: 'the lock channel audited once closed',
    })
    expect(lock.commands[0]?.command).toMatch(/^mkdir -p \/run\/replab && flock -n -E 75 /)
    // The closing entry still lists every command of the run's steps.
    const journaled = report.steps.flatMap((s) => s.commands ?? [])
    expect(own[1]?.commands.map((c) => c.command)).toEqual(journaled)
  })

  it('an operation that loads or unloads a module names the action', async () => {
    const { engine, entries } = rig()
    await engine.runOperation('fake', { op: 'module', module: 'mlx5_ib', action: 'unload' })
    await engine.runOperation('fake', { op: 'module', module: 'mlx5_ib', action: 'load' })
    expect(entries.map((e) => e.action)).toEqual(['module unload mlx5_ib', 'module load mlx5_ib'])
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
