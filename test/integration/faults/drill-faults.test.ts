import { describe, expect, it } from 'vitest'

import { drillWithFault, FAULT_DEVICE, pfState, reportText } from '../../helpers/fault-drill'
import { poll } from '../../helpers/poll'
import { useLabConsole, type LabRig } from '../../helpers/lab-engine'

// Issue 9, faults on labsim: a host reboot mid-drill, a command that hangs past its timeout, and
// a fatal firmware error during an unrelated drill.

/** Commands of labsim's live remote processes (its process table). */
function liveCommands(rig: LabRig): string[] {
  return rig.lab
    .host('sim-a')
    .processes()
    .map((p) => p.command)
}

const HUNG = 'mode switchdev'

describe('faults during drills', () => {
  const suite = useLabConsole({ hosts: 1, profile: 'fixed', speed: 0.02 })

  it('a command that hangs past its timeout: channel closed, remote process killed, PF restored', async () => {
    const start = pfState(suite.rig)
    const host = suite.rig.lab.host('sim-a')
    await host.inject({ kind: 'hang', pattern: HUNG })
    let sawHung = false
    const watch = setInterval(() => {
      if (liveCommands(suite.rig).some((cmd) => cmd.includes(HUNG))) sawHung = true
    }, 10)
    try {
      const started = Date.now()
      const report = await suite.c.engine.runDrill({
        hostId: 'sim-a',
        kind: 'vf-churn',
        device: FAULT_DEVICE,
        params: { iterations: 1, timeoutMs: 1_500, vfs: 1, stopOnFailure: true },
      })
      const text = reportText(report)
      expect(sawHung, text).toBe(true)
      expect(Date.now() - started).toBeLessThan(30_000)
      expect(report.status, text).not.toBe('passed')
      expect(text).toMatch(/time(d)? ?out/i)
      await poll(() => !liveCommands(suite.rig).some((cmd) => cmd.includes(HUNG)), {
        timeoutMs: 2_000,
        what: `the hung "${HUNG}" gone from labsim's process table`,
      })
      expect(liveCommands(suite.rig).filter((cmd) => cmd.includes(HUNG))).toEqual([])
      expect(pfState(suite.rig), text).toEqual(start)
    } finally {
      clearInterval(watch)
      await host.inject({ kind: 'hang' })
    }
  }, 60_000)

  // Every step compares each device's fw_fatal reporter with the drill's start; a rise is a
  // `fw-fatal` finding whose evidence is the crdump (main/engine/fatal-watch.ts).
  it('a fatal firmware error during vf-churn is a finding with the crdump', async () => {
    const host = suite.rig.lab.host('sim-a')
    const { report, fired } = await drillWithFault(suite.c, 'vf-churn', /^vf count 1/, () => {
      void host.inject({ kind: 'fw-assert', handle: FAULT_DEVICE })
    })
    const text = reportText(report)
    expect(fired).toBe(true)
    expect(report.status, text).toBe('failed')
    const fatal = report.findings.find((f) =>
      /fw_fatal|fatal|firmware|syndrome|assert/i.test(`${f.invariant} ${f.message}`),
    )
    expect(fatal, text).toBeDefined()
    expect(fatal?.evidence ?? '', text).toMatch(/crdump|dump|Segment|region/i)
  }, 60_000)

  it('a reboot mid-drill stops the drill and the console reconnects to the new boot', async () => {
    const host = suite.rig.lab.host('sim-a')
    const bootBefore = host.state().bootId
    const { report, fired } = await drillWithFault(suite.c, 'vf-churn', /^vf count 1/, () => {
      void host.restart()
    })
    const text = reportText(report)
    expect(fired).toBe(true)
    expect(host.state().bootId).not.toBe(bootBefore)
    expect(report.status, text).not.toBe('passed')
    const errors = report.findings.filter((f) => f.severity === 'error' || f.severity === 'fatal')
    expect(errors.length, text).toBeGreaterThan(0)
    const bootId = await suite.c.conn.exec('cat /proc/sys/kernel/random/boot_id', {
      timeoutMs: 10_000,
    })
    expect(bootId.stdout.trim()).toBe(host.state().bootId)
  }, 60_000)

  // A step that loses the connection waits for the host, re-reads the boot id and, when it
  // changed, stops with a `host-rebooted` finding naming both ids (main/engine/connection-lost.ts).
  it('the reboot finding says the host rebooted', async () => {
    const host = suite.rig.lab.host('sim-a')
    const { report } = await drillWithFault(suite.c, 'vf-churn', /^vf count 1/, () => {
      void host.restart()
    })
    expect(reportText(report)).toMatch(/reboot|boot id|boot_id|restarted/i)
  }, 60_000)
})
