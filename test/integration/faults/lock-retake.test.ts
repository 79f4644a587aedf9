import { join } from 'node:path'
import { PassThrough, type Readable } from 'node:stream'

import { afterEach, describe, expect, it } from 'vitest'

import type { DrillProgress, DrillReport } from '../../../contract'
import { createFsJournalStore } from '../../../main/store/journal-store'
import { createEngine, type Engine } from '../../../main/engine'
import type { CommandRunner, SnapshotSource } from '../../../main/engine/ports'
import { lockCommand, lockKey } from '../../../main/engine/shell'
import { watcherSource } from '../../../main/service/snapshot-source'
import type { SshConnection } from '../../../main/ssh'
import { FAULT_DEVICE, pfState, reportText } from '../../helpers/fault-drill'
import { connectSim, startRig, type LabRig } from '../../helpers/lab-engine'
import { poll } from '../../helpers/poll'

// Real SSH to labsim: a drill holds /run/replab/<device>.lock through a flock(1) channel; labsim
// drops every session mid-drill (sshd ends the channel, flock releases the lock). While this
// console is still away, a second SSH client either takes the lock with the same flock command
// (the drill must stop with `lock-lost`, skip its restore and leave the holder alone) or only
// checks the lock is free (the drill must take it again with its own owner line).

const KEY = lockKey(FAULT_DEVICE)
const LOCK = `/run/replab/${KEY}.lock`
const OWNER_FILE = `/run/replab/${KEY}.owner`
const BOB = 'bob from console-b since 2026-01-01T00:00:00.000Z'

/**
 * A door the console's fresh reads and commands wait at while it is "still reconnecting", so the
 * second client acts first. The drill itself runs unchanged over the real connection.
 */
class Gate {
  private opened: Promise<void> = Promise.resolve()
  private openIt: () => void = () => undefined
  close(): void {
    this.opened = new Promise((resolve) => (this.openIt = resolve))
  }
  open(): void {
    this.openIt()
  }
  wait(): Promise<void> {
    return this.opened
  }
}

/** The console's SSH runner behind the gate: exec and stream start only once it is open. */
function gated(conn: SshConnection, gate: Gate): CommandRunner {
  return {
    target: conn.target,
    exec: async (command, options) => {
      await gate.wait()
      return conn.exec(command, options)
    },
    stream: (command, options) => {
      const out = new PassThrough()
      void gate.wait().then(() => {
        const s: Readable = conn.stream(command, options)
        s.on('data', (d: Buffer) => out.write(d))
        s.on('end', () => out.end())
        s.on('error', (err: Error) => out.destroy(err))
        s.on('close', () => out.destroy())
        out.on('close', () => s.destroy())
      })
      return out
    },
  }
}

/**
 * The console's snapshot source behind the gate: fresh reads (the precondition read of every
 * operation, the reconnect's re-discovery) wait for it; cached reads and events do not.
 */
function gatedSource(inner: SnapshotSource, gate: Gate): SnapshotSource {
  return {
    snapshot: async (o) => {
      if (o.fresh) await gate.wait()
      return inner.snapshot(o)
    },
    onChange: (listener) => inner.onChange(listener),
    waitFor: (predicate, o) => inner.waitFor(predicate, o),
  }
}

/** Takes the device lock with the engine's own flock command; resolves once `locked`. */
async function takeLock(conn: SshConnection, owner: string, signal: AbortSignal): Promise<void> {
  // The host may not have ended the dropped session's flock yet: retry a busy lock briefly.
  await poll(
    () => {
      const s = conn.stream(lockCommand(FAULT_DEVICE, owner), { signal, keepStdinOpen: true })
      return new Promise<boolean>((resolve, reject) => {
        s.on('data', (d: Buffer) => {
          if (d.toString().includes('locked')) resolve(true)
        })
        s.on('error', (err: Error) => (/exit 75/.test(String(err)) ? resolve(false) : reject(err)))
        s.on('close', () => resolve(false))
      })
    },
    { timeoutMs: 10_000, intervalMs: 50, what: 'the second client to take the device lock' },
  )
}

interface Run {
  readonly rig: LabRig
  readonly engine: Engine
  readonly console: SshConnection
  readonly gate: Gate
}

let rig: LabRig | undefined
const cleanup: Array<() => void> = []
afterEach(async () => {
  for (const c of cleanup.splice(0)) c()
  await rig?.stop()
  rig = undefined
})

/** A lab, a console whose runner is gated, and an engine over it (alice from console-a). */
async function setup(): Promise<Run> {
  rig = await startRig({ hosts: 1, profile: 'fixed', speed: 0.02 })
  const c = await rig.console()
  const gate = new Gate()
  const engine = createEngine({
    runnerFor: () => gated(c.conn, gate),
    snapshotSourceFor: () => gatedSource(watcherSource(c.watcher), gate),
    journal: createFsJournalStore(rig.dataDir),
    consoleIdentity: { user: 'alice', host: 'console-a' },
  })
  return { rig, engine, console: c.conn, gate }
}

/**
 * Runs vf-churn; when "vf count 1" ends, closes the gate and drops every SSH session, then
 * `meanwhile` runs over a second client, and the gate opens.
 */
async function dropDuring(
  run: Run,
  meanwhile: (bob: SshConnection) => Promise<void>,
  onProgress?: (p: DrillProgress) => void,
): Promise<{ report: DrillReport; runId: string; bob: Promise<SshConnection> }> {
  let bob: Promise<SshConnection> | undefined
  const handle = await run.engine.startDrill(
    {
      hostId: 'sim-a',
      kind: 'vf-churn',
      device: FAULT_DEVICE,
      params: { iterations: 1, timeoutMs: 15_000, vfs: 1, stopOnFailure: true },
    },
    (p) => {
      onProgress?.(p)
      if (bob || !/^vf count 1/.test(p.step.name)) return
      run.gate.close()
      run.rig.lab.host('sim-a').disconnectAll()
      bob = connectSim(run.rig.lab, 'sim-a', join(run.rig.dataDir, 'known_hosts-bob'))
      void bob
        .then(async (conn) => {
          cleanup.push(() => conn.close())
          await meanwhile(conn)
        })
        .finally(() => run.gate.open())
    },
  )
  const report = await handle.done
  if (!bob) throw new Error(`the drop never fired:\n${reportText(report)}`)
  return { report, runId: handle.runId, bob }
}

describe('the device lock across an SSH drop (labsim)', () => {
  it('taken by another console meanwhile: lock-lost, no more steps, no restore', async () => {
    const run = await setup()
    const start = pfState(run.rig)
    const hold = new AbortController()
    cleanup.push(() => hold.abort())
    const { report, runId, bob } = await dropDuring(run, (conn) => takeLock(conn, BOB, hold.signal))
    const text = reportText(report)
    const lost = report.findings.filter((f) => f.invariant === 'lock-lost')
    expect(lost[0]?.severity, text).toBe('fatal')
    expect(lost[0]?.message, text).toMatch(
      new RegExp(
        `^remote lock of pci/0000:08:00\\.0 on root@127\\.0\\.0\\.1:\\d+ taken by ${BOB} while the SSH connection was down; the device belongs to them now`,
      ),
    )
    expect(report.status, text).toBe('error')
    // The step after the drop is the last drill step; the restore is skipped, nothing restored.
    const names = report.steps.map((s) => `${s.name}:${s.status}`)
    expect(names.at(-1), text).toBe('restore:skipped')
    expect(
      names.filter((n) => n.startsWith('vf count')),
      text,
    ).toEqual(['vf count 1:passed', `${lost[0]?.step}:error`])
    expect(lost[1]?.message, text).toMatch(/^restore skipped: .*not restored: mode:/)
    expect(report.restored ?? [], text).toEqual([])
    // The device stays as the drill left it when bob took it over (switchdev, 1 VF).
    expect(pfState(run.rig), text).toEqual({ ...start, mode: 'switchdev', numVfs: 1 })
    // Bob still holds the lock and its owner file is his.
    const conn = await bob
    expect(run.rig.lab.host('sim-a').state().locks).toContain(LOCK)
    const owner = await conn.exec(`cat ${OWNER_FILE}`, { timeoutMs: 10_000 })
    expect(owner.stdout.trim()).toBe(BOB)
    const busy = await conn.exec(`flock -n -E 75 ${LOCK} true`, { timeoutMs: 10_000 })
    expect(busy.code).toBe(75)
    // The journal's end line tells why; `drill restore` refuses a finished run.
    const journaled = await run.engine.readRun(runId)
    expect(journaled.end?.error).toMatch(/^drill stopped: restore skipped: .* taken by bob/)
    await expect(run.engine.resumeRestore(runId)).rejects.toMatchObject({
      code: 'invalid-request',
    })
  }, 90_000)

  it('nobody took it: the drill takes the lock again with its own owner and completes', async () => {
    const run = await setup()
    const start = pfState(run.rig)
    let freeInGap: number | null | undefined
    const held: string[][] = []
    let dropped = false
    const { report } = await dropDuring(
      run,
      async (conn) => {
        // The drop released the lock: prove it, and leave a stale owner file behind.
        const r = await conn.exec(`flock -n -E 75 ${LOCK} true && echo stale > ${OWNER_FILE}`, {
          timeoutMs: 10_000,
        })
        freeInGap = r.code
      },
      (p) => {
        if (dropped && p.step.name !== 'vf count 1')
          held.push(run.rig.lab.host('sim-a').state().locks)
        if (/^vf count 1/.test(p.step.name)) dropped = true
      },
    )
    const text = reportText(report)
    expect(freeInGap, text).toBe(0)
    const retaken = report.findings.find((f) => f.invariant === 'lock-retaken')
    expect(retaken?.message, text).toMatch(/^remote lock of pci\/0000:08:00\.0 on .* retaken /)
    expect(
      report.findings.some((f) => f.invariant === 'lock-lost'),
      text,
    ).toBe(false)
    // Every step after the reconnect ran under the lock again.
    expect(held.length, text).toBeGreaterThan(0)
    for (const locks of held) expect(locks, text).toContain(LOCK)
    // The owner file names this drill again (not the stale line written in the gap).
    const start0 = await run.engine.readRun(report.runId!)
    const owner = await run.console.exec(`cat ${OWNER_FILE}`, { timeoutMs: 10_000 })
    expect(owner.stdout.trim()).toBe(start0.start.owner)
    expect(owner.stdout).toMatch(/^alice from console-a since /)
    // The drill restored what it changed and let go of the lock.
    expect(['passed', 'error'], text).toContain(report.status)
    expect(pfState(run.rig), text).toEqual(start)
    await expect
      .poll(() => run.rig.lab.host('sim-a').state().locks, { timeout: 5_000 })
      .not.toContain(LOCK)
  }, 90_000)
})
