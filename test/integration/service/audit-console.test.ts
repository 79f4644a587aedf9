import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { AuditEntry } from '../../../contract'
import { startLab, type Lab } from '../../../labsim'
import { createBackend, type Backend } from '../../../main/service/backend'
import { poll } from '../../helpers/poll'

// Issue 20: every mutation from any front end is audited in one place below them (the engine).
// The CLI's half is in test/integration/cli/restore-wrong-host.test.ts; this is the console's:
// its operations and drills, through the dispatcher over real SSH to labsim, land in
// `<dataDir>/audit.jsonl` with the calling session. Issue 21: every command a drill sends is an
// entry of its own, and the drill's entry is updated with its outcome.

describe('the console audits through the engine', () => {
  let lab: Lab
  let dir: string
  let backend: Backend
  const ctx = { sessionId: 'ws-9', signal: new AbortController().signal }

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, profile: 'fixed', speed: 0.02 })
    dir = await mkdtemp(join(tmpdir(), 'replab-audit-'))
    backend = await createBackend({ dataDir: dir })
    await backend.addSimulatedHosts(lab.hosts)
  })
  afterAll(async () => {
    await backend?.close()
    await lab?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  async function audit(): Promise<AuditEntry[]> {
    const text = await readFile(join(dir, 'audit.jsonl'), 'utf8').catch(() => '')
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AuditEntry)
  }

  it('an operation and a drill from the console session', async () => {
    const call = async (channel: string, request: unknown) => {
      const r = await backend.dispatcher.dispatch(channel, request, ctx)
      if (!r.ok) throw new Error(`${channel}: ${r.error.code}: ${r.error.message}`)
      return r.value as Record<string, unknown>
    }
    await call('hosts:connect', { hostId: 'sim-a' })
    const op = { op: 'vf-count', device: 'pci/0000:08:00.0', count: 1 }
    await call('ops:run', { hostId: 'sim-a', request: op, confirmed: true })
    const started = await call('drills:start', {
      hostId: 'sim-a',
      kind: 'vf-churn',
      device: 'pci/0000:08:00.0',
      params: { iterations: 1, timeoutMs: 5_000, vfs: 2, vfsAlt: 1 },
      confirmed: true,
    })
    const runId = String(started.runId)
    const report = await poll(
      async () => {
        const r = await call('drills:report', { runId })
        return r.status !== 'running' && r
      },
      { timeoutMs: 60_000, what: 'the drill to finish' },
    )
    expect(report.status).toBe('passed')
    // The file is append-only: the drill's entry twice (started, then its outcome, same id),
    // and one entry per command it sent, under the step that sent it.
    const file = await poll(
      async () => {
        const all = await audit()
        return all.some((e) => e.runId === runId && e.action === 'lock') && all
      },
      { timeoutMs: 60_000, what: 'the audit entries of the drill, its lock channel last' },
    )
    expect(file[0]).toMatchObject({ session: 'ws-9', action: 'vf-count', status: 'ok' })
    expect(file[0]?.commands[0]?.command).toMatch(/sriov_numvfs/)
    const own = file.filter((e) => e.id === `drill-${runId}`)
    expect(own.map((e) => `${e.session} ${e.action} ${e.status}`)).toEqual([
      `ws-9 drill vf-churn (run ${runId}) started`,
      `ws-9 drill vf-churn (run ${runId}) passed`,
    ])
    expect(own[1]?.commands.length).toBeGreaterThan(2)
    const commands = file.filter((e) => e.runId === runId && e.id === undefined)
    const counts = commands.filter((e) => e.action === 'vf-count')
    expect(
      counts.map((e) => `${e.step}: ${e.commands[0]?.command} → ${e.commands[0]?.code}`),
    ).toEqual(
      expect.arrayContaining([
        'vf count 2: echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs → 0',
        'vf count 0: echo 0 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs → 0',
      ]),
    )
    expect(commands.every((e) => e.session === 'ws-9' && e.device === 'pci/0000:08:00.0')).toBe(
      true,
    )
    // What the console shows (`audit:list`, newest first): the drill once, with its outcome.
    const listed = (await call('audit:list', { hostId: 'sim-a' })) as unknown as AuditEntry[]
    const drills = listed.filter((e) => e.id === `drill-${runId}`)
    expect(drills).toHaveLength(1)
    expect(drills[0]).toMatchObject({ status: 'passed', at: own[0]?.at })
  }, 120_000)
})
