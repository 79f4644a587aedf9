import { describe, expect, it } from 'vitest'

import type { DrillProgress } from '../../../contract/drills'
import type { HostKeyPrompt } from '../../../contract/hosts'
import {
  dropHostKeyPrompt,
  onDrillProgress,
  onHostKeyPrompt,
  onOpProgress,
  onSnapshotChanged,
} from '../../../renderer/api/cache-updates'
import {
  createQueryClient,
  keys,
  type LiveRun,
  type ReceivedDiff,
} from '../../../renderer/api/keys'
import { FakeHost } from '../../helpers/fake-mlx5-host'

const prompt: HostKeyPrompt = {
  promptId: 'p1',
  hostId: 'lab-01',
  host: '10.0.0.5',
  port: 22,
  hop: '10.0.0.5',
  keyType: 'ssh-ed25519',
  fingerprint: 'SHA256:abc',
  status: 'unknown',
}

function progress(
  step: string,
  iteration: number,
  status: DrillProgress['status'] = 'running',
): DrillProgress {
  return {
    runId: 'r1',
    hostId: 'lab-01',
    iteration,
    iterations: 2,
    step: { name: step, status: 'passed', durationMs: 10 * iteration, iteration },
    findings: [],
    status,
  }
}

describe('push events → query cache', () => {
  it('replaces the snapshot and records a non-empty diff with its arrival time', () => {
    const qc = createQueryClient()
    const snapshot = new FakeHost({ ports: 2, name: 'lab-01' }).snapshot()
    const diff = {
      from: 'a',
      to: 'b',
      changes: [{ kind: 'changed' as const, entity: 'port' as const, key: 'pci/0000:08:00.0/1' }],
    }
    onSnapshotChanged(qc, { hostId: 'lab-01', snapshot, diff }, 1234)
    expect(qc.getQueryData(keys.snapshot('lab-01'))).toBe(snapshot)
    expect(qc.getQueryData<ReceivedDiff>(keys.lastDiff('lab-01'))).toEqual({ at: 1234, diff })
    onSnapshotChanged(
      qc,
      { hostId: 'lab-01', snapshot, diff: { from: 'b', to: 'c', changes: [] } },
      9999,
    )
    expect(qc.getQueryData<ReceivedDiff>(keys.lastDiff('lab-01'))?.at).toBe(1234)
  })

  it('queues host-key prompts once each and drops them when answered', () => {
    const qc = createQueryClient()
    onHostKeyPrompt(qc, prompt)
    onHostKeyPrompt(qc, prompt)
    onHostKeyPrompt(qc, { ...prompt, promptId: 'p2', status: 'changed' })
    expect(qc.getQueryData<HostKeyPrompt[]>(keys.hostKeyPrompts())?.map((p) => p.promptId)).toEqual(
      ['p1', 'p2'],
    )
    dropHostKeyPrompt(qc, 'p1')
    expect(qc.getQueryData<HostKeyPrompt[]>(keys.hostKeyPrompts())?.map((p) => p.promptId)).toEqual(
      ['p2'],
    )
  })

  it('keeps the latest operation progress per host', () => {
    const qc = createQueryClient()
    onOpProgress(qc, { opId: 'o1', hostId: 'lab-01', phase: 'command', message: 'x', elapsedMs: 5 })
    onOpProgress(qc, { opId: 'o1', hostId: 'lab-01', phase: 'waiting', message: 'y', elapsedMs: 9 })
    expect(qc.getQueryData(keys.opProgress('lab-01'))).toMatchObject({ phase: 'waiting' })
    expect(qc.getQueryData(keys.opProgress('lab-02'))).toBeUndefined()
  })

  it('builds a live run from drill progress: steps per iteration, running step replaced', () => {
    const qc = createQueryClient()
    onDrillProgress(qc, {
      ...progress('set switchdev', 1),
      step: { name: 'set switchdev', status: 'running', durationMs: 0, iteration: 1 },
    })
    onDrillProgress(qc, progress('set switchdev', 1))
    onDrillProgress(qc, progress('check', 1))
    onDrillProgress(qc, progress('set switchdev', 2))
    const run = qc.getQueryData<LiveRun>(keys.drillRun('r1'))
    expect(run?.steps.map((s) => `${s.iteration}:${s.name}:${s.status}`)).toEqual([
      '1:set switchdev:passed',
      '1:check:passed',
      '2:set switchdev:passed',
    ])
    expect(run?.iteration).toBe(2)
  })

  it("adds every step's findings to the run: a later step with more never hides earlier ones", () => {
    const qc = createQueryClient()
    const f = (step: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        severity: 'error' as const,
        invariant: `inv-${i}`,
        message: `${step} ${i}`,
        step,
      }))
    onDrillProgress(qc, { ...progress('a', 1), findings: f('a', 1) })
    onDrillProgress(qc, { ...progress('b', 1), findings: f('b', 2) })
    // The closing event re-sends the last step with the final status and no findings.
    onDrillProgress(qc, { ...progress('b', 1, 'failed'), findings: [] })
    const run = qc.getQueryData<LiveRun>(keys.drillRun('r1'))
    expect(run?.findings.map((x) => x.message)).toEqual(['a 0', 'b 0', 'b 1'])
    expect(run?.steps.map((s) => s.name)).toEqual(['a', 'b'])
    expect(qc.getQueryState(keys.drillRun('r1'))?.isInvalidated).toBe(true)
  })

  it('invalidates history and the report when a run finishes', async () => {
    const qc = createQueryClient()
    qc.setQueryData(keys.drillHistory(null), [])
    onDrillProgress(qc, progress('check', 2, 'failed'))
    expect(qc.getQueryState(keys.drillHistory(null))?.isInvalidated).toBe(true)
    expect(qc.getQueryData<LiveRun>(keys.drillRun('r1'))?.status).toBe('failed')
  })
})
