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
// `<dataDir>/audit.jsonl` with the calling session.

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
    const entries = await poll(
      async () => {
        const all = await audit()
        return all.length >= 3 ? all : null
      },
      { timeoutMs: 60_000, what: 'three audit entries' },
    )
    expect(entries.map((e) => `${e.session} ${e.action} ${e.status}`)).toEqual([
      'ws-9 vf-count ok',
      `ws-9 drill vf-churn (run ${String(started.runId)}) started`,
      `ws-9 drill vf-churn (run ${String(started.runId)}) passed`,
    ])
    expect(entries[0]?.commands[0]?.command).toMatch(/sriov_numvfs/)
    expect(entries[2]?.commands.length).toBeGreaterThan(2)
  }, 120_000)
})
