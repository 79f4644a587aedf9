import { describe, expect, it } from 'vitest'

import { labError } from '../../../contract'
import type { DrillProgress, DrillReport } from '../../../contract'
import { createEngine } from '../../../main/engine'
import { withFreshFallback } from '../../../main/engine/fresh-fallback'
import type { SnapshotSource } from '../../../main/engine/ports'
import { rediscover } from '../../../main/engine/reconnect'
import { DroppingLink, type Drop } from './dropping-link'
import { FakeHost } from '../../helpers/fake-mlx5-host'
import { MemoryJournal } from './fake-ports'
import { drillRequest } from './harness'

// Issue 9: an SSH connection lost anywhere in a drill (a command, a post-step wait, the dmesg
// read, a snapshot read between steps, the restore) is a `connection-lost` finding on the step it
// interrupted; the drill waits (bounded) for the host, re-discovers it and restores; runDrill
// never rejects for it. The link (dropping-link.ts) fails every exec and fresh read with
// `ssh-connect` while it is down, like main/ssh's SshConnection on a dying client.

const clock = { now: () => Date.now() }

function rig(drops: Drop[] = []) {
  const host = new FakeHost()
  const link = new DroppingLink(host, drops)
  const engine = createEngine({
    runnerFor: () => link,
    snapshotSourceFor: () => link.source(),
    journal: new MemoryJournal(),
    consoleIdentity: { user: 'alice', host: 'laptop' },
  })
  return { host, link, engine }
}

const VFS2 = 'echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs'

function lostOn(report: DrillReport, step: string) {
  return report.findings.filter((f) => f.invariant === 'connection-lost' && f.step === step)
}

function expectRestored(host: FakeHost): void {
  const s = host.snapshot()
  expect(s.devices[0]?.eswitch?.mode).toBe('legacy')
  expect(s.devices[0]?.pci?.numvfs).toBe(0)
  expect(host.locks.size).toBe(0)
}

describe('rediscover', () => {
  it('retries fresh reads through a lost connection and answers with the fresh snapshot', async () => {
    const host = new FakeHost()
    const link = new DroppingLink(host)
    link.drop(150)
    const source = link.source()
    const back = await rediscover(source, clock, { timeoutMs: 2000, firstMs: 10 })
    expect(back.snapshot.devices[0]?.handle).toBe('pci/0000:08:00.0')
    expect(back.waitedMs).toBeGreaterThanOrEqual(100)
    expect(link.failures).toBeGreaterThan(1)
  })

  it('gives up after timeoutMs with the connection error, and at once for other errors', async () => {
    const host = new FakeHost()
    const link = new DroppingLink(host)
    link.drop(60_000)
    const source = link.source()
    await expect(rediscover(source, clock, { timeoutMs: 100 })).rejects.toMatchObject({
      code: 'ssh-connect',
      message: expect.stringMatching(/^host did not answer again within 100 ms: .*closed by peer/),
    })
    let reads = 0
    const broken: SnapshotSource = {
      snapshot: async () => {
        reads++
        throw labError('parse-error', 'devlink said nonsense')
      },
      onChange: () => () => undefined,
      waitFor: () => Promise.reject(labError('timeout', 'no')),
    }
    await expect(rediscover(broken, clock, { timeoutMs: 1000 })).rejects.toMatchObject({
      code: 'parse-error',
    })
    expect(reads).toBe(1)
    const ac = new AbortController()
    const waiting = rediscover(source, clock, { timeoutMs: 5000, signal: ac.signal })
    ac.abort()
    await expect(waiting).rejects.toMatchObject({ code: 'aborted' })
  })
})

describe('fresh fallback over a lost connection', () => {
  it('a wait that times out while fresh reads fail with ssh-connect rejects ssh-connect', async () => {
    const host = new FakeHost()
    const link = new DroppingLink(host)
    link.drop(60_000)
    const src = withFreshFallback(link.source(), { firstMs: 10 })
    await expect(src.waitFor(() => false, { timeoutMs: 100 })).rejects.toMatchObject({
      code: 'ssh-connect',
      message: expect.stringMatching(/^connection lost while waiting \(100 ms\): /),
    })
  })
})

describe('drills over a lost connection', () => {
  it('a drop in the post-step checks (dmesg read) errors that step, reconnects and restores', async () => {
    let dmesgReads = 0
    // begin() reads dmesg once, then once per step: the 3rd read follows "vf count 2".
    const { host, engine } = rig([
      { on: (c) => c.startsWith('dd if=/dev/kmsg') && ++dmesgReads === 3, ms: 150 },
    ])
    const report = await engine.runDrill(drillRequest('vf-churn', { timeoutMs: 2000 }))
    expect(report.steps.find((s) => s.name === 'vf count 2')?.status).toBe('error')
    const [lost] = lostOn(report, 'vf count 2')
    expect(lost?.message).toMatch(
      /^SSH connection lost during step "vf count 2" \(root@127\.0\.0\.1:2222\): .*closed by peer; reconnected and re-discovered after \d+ ms$/,
    )
    // The drill's error, not a kernel failure; everything it changed is back.
    expect(report.status).toBe('error')
    expect(report.restored).toEqual(['numvfs:pci/0000:08:00.0', 'mode:pci/0000:08:00.0'])
    expectRestored(host)
  })

  it('a drop in the postcondition wait is a connection loss, not a timeout', async () => {
    // Down 1.5 s from the command's return: the 1 s wait cannot see the change, the reconnect
    // wait (1 s more) gets the host back; 0.5 s of slack either side for a loaded machine.
    const { host, engine } = rig([{ on: (c) => c === VFS2, ms: 1500, after: true }])
    const report = await engine.runDrill(drillRequest('vf-churn', { timeoutMs: 1000 }))
    const [lost] = lostOn(report, 'vf count 2')
    expect(lost?.message).toMatch(/connection lost while waiting \(\d+ ms\)/)
    expect(lost?.message).toMatch(/reconnected and re-discovered after \d+ ms$/)
    expect(report.findings.some((f) => /not observed/.test(f.message))).toBe(false)
    expect(report.status).toBe('error')
    expectRestored(host)
  })

  it('a drop between steps is its own step; the next iteration resumes', async () => {
    const { host, link, engine } = rig()
    const progress: DrillProgress[] = []
    const report = await engine.runDrill(drillRequest('vf-churn', { iterations: 2 }), (p) => {
      progress.push(p)
      if (p.step.name === 'eswitch mode switchdev') link.drop(150)
    })
    const gap = report.steps.find((s) => s.name === 'connection lost')
    expect(gap).toMatchObject({ status: 'error', iteration: 1 })
    expect(lostOn(report, 'connection lost')[0]?.message).toMatch(
      /^SSH connection lost after step "eswitch mode switchdev" .*; reconnected and re-discovered after \d+ ms$/,
    )
    const second = report.steps.filter((s) => s.iteration === 2).map((s) => `${s.name}:${s.status}`)
    expect(second).toEqual([
      'vf count 2:passed',
      'vf count 0:passed',
      'vf count 3:passed',
      'vf count 0:passed',
    ])
    expect(report.status).toBe('error')
    expect(progress.at(-1)?.status).toBe('error')
    expectRestored(host)
  })

  it('a host that never answers again: the drill stops, says so and resolves', async () => {
    const { host, engine } = rig([{ on: (c) => c === VFS2, ms: 60_000 }])
    const started = Date.now()
    const report = await engine.runDrill(drillRequest('vf-churn', { timeoutMs: 300 }))
    // One bounded wait in the step, one in the restore (generous slack for a loaded machine).
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(report.status).toBe('error')
    expect(lostOn(report, 'vf count 2')[0]?.message).toMatch(
      /not reconnected: host did not answer again within 300 ms/,
    )
    expect(report.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'eswitch mode switchdev:passed',
      'vf count 2:error',
      'restore:error',
    ])
    expect(lostOn(report, 'restore')[0]?.message).toMatch(
      /not restored: mode:pci\/0000:08:00\.0, numvfs:pci\/0000:08:00\.0$/,
    )
    expect(report.restored).toEqual([])
    expect(host.snapshot().devices[0]?.eswitch?.mode).toBe('switchdev')
  })

  it('a drop before the first read is waited out; the drill then runs', async () => {
    // The drill takes its device lock first; the link drops just after (ending that channel).
    const { host, link, engine } = rig([{ on: (c) => c.includes('flock'), ms: 100, after: true }])
    const report = await engine.runDrill(drillRequest('vf-churn'))
    expect(link.failures).toBeGreaterThan(0) // the first read met the dropped link
    expect(report.status).toBe('passed')
    expectRestored(host)
  })
})
