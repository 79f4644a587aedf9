import { describe, expect, it } from 'vitest'

import type { DrillReport } from '../../../contract'
import { createEngine } from '../../../main/engine'
import { DroppingLink } from './dropping-link'
import { FakeHost } from '../../helpers/fake-mlx5-host'
import { MemoryJournal } from './fake-ports'
import { drillRequest } from './harness'

// A drill holds the remote flock of its device through a streaming SSH channel. When the SSH
// connection drops, sshd ends that channel and the host releases the flock; after the reconnect
// the drill must take it again (same owner line) before its next command, and must stop, not
// restore, and let go of the device when another console took the lock in the gap.

const KEY = 'pci_0000_08_00.0'
const BOB = 'bob from pc since 2026-01-01T00:00:00.000Z'
const VFS2 = 'echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs'

function rig() {
  const host = new FakeHost()
  const link = new DroppingLink(host)
  const journal = new MemoryJournal()
  const engine = createEngine({
    runnerFor: () => link,
    snapshotSourceFor: () => link.source(),
    journal,
    consoleIdentity: { user: 'alice', host: 'laptop' },
  })
  return { host, link, engine, journal }
}

const lockCommands = (host: FakeHost): string[] => host.log.filter((c) => c.includes('flock -n'))

function findings(report: DrillReport, invariant: string) {
  return report.findings.filter((f) => f.invariant === invariant)
}

describe('the remote lock after a reconnect', () => {
  it('is retaken with the same owner before the next command; the drill completes', async () => {
    const { host, link, engine } = rig()
    let owner: string | undefined
    // Drop in the middle of "vf count 2" (its command fails): released on the host meanwhile.
    const exec = link.exec.bind(link)
    link.exec = async (command, options) => {
      if (command === VFS2 && owner === undefined) {
        owner = host.locks.get(KEY)
        link.drop(150)
      }
      return exec(command, options)
    }
    const during: Array<string | undefined> = []
    const report = await engine.runDrill(drillRequest('vf-churn'), (p) => {
      if (p.step.name === 'vf count 2') during.push(host.locks.get(KEY))
    })
    expect(owner).toMatch(/^alice from laptop since /)
    // Held again, by the same owner line, once the interrupted step was recorded.
    expect(during).toEqual([owner])
    const commands = lockCommands(host)
    expect(commands).toHaveLength(2)
    expect(commands[1]).toBe(commands[0])
    const [retaken] = findings(report, 'lock-retaken')
    expect(retaken).toMatchObject({ severity: 'info', step: 'vf count 2' })
    expect(retaken?.message).toMatch(
      /^remote lock of pci\/0000:08:00\.0 on root@127\.0\.0\.1:2222 retaken after the reconnect/,
    )
    expect(findings(report, 'lock-lost')).toEqual([])
    // The drop is the drill's error; everything it changed is back and the lock is released.
    expect(report.status).toBe('error')
    // (The dropped "echo 2" never ran, so only the mode needs putting back.)
    expect(report.restored).toEqual(['mode:pci/0000:08:00.0'])
    expect(host.snapshot().devices[0]?.eswitch?.mode).toBe('legacy')
    expect(host.locks.size).toBe(0)
  })

  it('a drop no command noticed: the next step retakes the lock first, the drill passes', async () => {
    const { host, link, engine } = rig()
    const report = await engine.runDrill(drillRequest('vf-churn'), (p) => {
      if (p.step.name === 'eswitch mode switchdev') link.drop(0)
    })
    expect(report.status).toBe('passed')
    expect(lockCommands(host)).toHaveLength(2)
    // The retake comes before the next step's first command.
    const retake = host.log.lastIndexOf(lockCommands(host)[1]!)
    expect(host.log.indexOf(VFS2)).toBeGreaterThan(retake)
    expect(findings(report, 'lock-retaken').map((f) => f.step)).toEqual(['vf count 2'])
    expect(host.locks.size).toBe(0)
  })

  it('taken by someone else meanwhile: lock-lost, nothing more runs, no restore, lock let go', async () => {
    const { host, link, engine, journal } = rig()
    link.onDrop = () => host.locks.set(KEY, BOB)
    const exec = link.exec.bind(link)
    let dropped = false
    link.exec = async (command, options) => {
      if (command === VFS2 && !dropped) {
        dropped = true
        link.drop(150)
      }
      return exec(command, options)
    }
    const handle = await engine.startDrill(drillRequest('vf-churn'))
    const report = await handle.done
    const [lost] = findings(report, 'lock-lost').filter((f) => f.step === 'vf count 2')
    expect(lost?.severity).toBe('fatal')
    expect(lost?.message).toBe(
      `remote lock of pci/0000:08:00.0 on root@127.0.0.1:2222 taken by ${BOB} while the SSH ` +
        'connection was down; the device belongs to them now: no further step and no restore run',
    )
    // The last thing sent to the host is the retake (flock, then the owner file): no step, no
    // invariant read, no dmesg read, no restore command after it.
    expect(host.log.slice(-2)).toEqual([lockCommands(host)[1], `cat /run/replab/${KEY}.owner`])
    expect(report.status).toBe('error')
    expect(report.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'eswitch mode switchdev:passed',
      'vf count 2:error',
      'restore:skipped',
    ])
    const skip = findings(report, 'lock-lost').find((f) => f.step === 'restore')
    expect(skip?.message).toMatch(
      new RegExp(
        `^restore skipped: the remote lock of pci/0000:08:00\\.0 on root@127\\.0\\.0\\.1:2222 was taken by ${BOB} .*; the device belongs to them now; not restored: mode:pci/0000:08:00\\.0, numvfs:pci/0000:08:00\\.0$`,
      ),
    )
    expect(report.restored).toEqual([])
    // The device is left as bob found it (switchdev, no VFs): not put back behind his back.
    expect(host.snapshot().devices[0]?.eswitch?.mode).toBe('switchdev')
    expect(host.locks.get(KEY)).toBe(BOB)
    // The journal's end line says why; the run is finished, so `drill restore` refuses it.
    const run = await engine.readRun(handle.runId)
    expect(run.end?.error).toMatch(/^drill stopped: restore skipped: .* taken by bob from pc/)
    expect(journal.runs.get(handle.runId)?.some((l) => l.includes('"t":"restored"'))).toBe(false)
    await expect(engine.resumeRestore(handle.runId)).rejects.toMatchObject({
      code: 'invalid-request',
    })
    // The in-process lock is free: a second drill here is refused by bob's remote lock only.
    await expect(engine.startDrill(drillRequest('vf-churn'))).rejects.toMatchObject({
      code: 'host-busy',
      message: `pci/0000:08:00.0 locked by ${BOB}`,
    })
    host.locks.delete(KEY)
    // Once bob lets go, this console can drill the device again.
    expect((await engine.runDrill(drillRequest('vf-churn'))).status).toBe('passed')
  })
})
