import { DOMParser } from '@xmldom/xmldom'
import { describe, expect, it } from 'vitest'

import { LabError } from '../../../contract'
import { drillRequest, harness } from './harness'

describe('locks', () => {
  it('a second console on the same device gets host-busy naming the holder', async () => {
    const a = harness({ profile: 'pre-series' })
    const b = harness({}, { host: a.host, journal: a.journal }, 'bob')
    const first = await a.engine.startDrill(drillRequest('late-ib-reps', { timeoutMs: 300 }))
    const err = await b.engine.startDrill(drillRequest('late-ib-reps')).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LabError)
    expect((err as LabError).code).toBe('host-busy')
    expect((err as LabError).message).toMatch(
      /^pci\/0000:08:00.0 locked by alice from laptop since \d{4}-\d\d-\d\dT/,
    )
    await first.done
    expect(a.host.locks.size).toBe(0)
    const again = await b.engine.runDrill(drillRequest('vf-churn'))
    expect(again.status).toBe('passed')
  })

  it('two drills on one device in one console never interleave', async () => {
    const h = harness({ profile: 'pre-series' })
    const first = await h.engine.startDrill(drillRequest('late-ib-reps', { timeoutMs: 300 }))
    await expect(h.engine.startDrill(drillRequest('vf-churn'))).rejects.toMatchObject({
      code: 'host-busy',
    })
    await first.done
  })

  it('an operation waits for the drill holding its device', async () => {
    const h = harness({ profile: 'pre-series' })
    const drill = await h.engine.startDrill(drillRequest('late-ib-reps', { timeoutMs: 200 }))
    const op = h.engine.runOperation('fake', {
      op: 'vf-count',
      device: 'pci/0000:08:00.0',
      count: 1,
    })
    const report = await drill.done
    const result = await op
    expect(result.status).toBe('ok')
    const lastDrillCmd = h.host.log.lastIndexOf(
      'echo 0 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs',
    )
    expect(
      h.host.log.indexOf('echo 1 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs'),
    ).toBeGreaterThan(lastDrillCmd)
    expect(report.status).toBe('failed')
  })
})

describe('operation vs drill', () => {
  it('an operation that cannot get the device within its timeout is host-busy', async () => {
    const h = harness({ profile: 'pre-series' })
    const drill = await h.engine.startDrill(drillRequest('late-ib-reps', { timeoutMs: 300 }))
    await expect(
      h.engine.runOperation(
        'fake',
        { op: 'vf-count', device: 'pci/0000:08:00.0', count: 1 },
        { timeoutMs: 50 },
      ),
    ).rejects.toMatchObject({
      code: 'host-busy',
      message: expect.stringMatching(/^pci\/0000:08:00.0 locked by alice from laptop since /),
    })
    await drill.done
  })
})

describe('dmesg', () => {
  it('says once that the splat check is off when dmesg is refused', async () => {
    const h = harness()
    const run = h.host.run.bind(h.host)
    h.host.run = (cmd) =>
      cmd.startsWith('dd if=/dev/kmsg')
        ? {
            code: 1,
            stdout: '',
            stderr: "dd: failed to open '/dev/kmsg': Operation not permitted",
          }
        : run(cmd)
    const report = await h.engine.runDrill(drillRequest('vf-churn'))
    expect(report.status).toBe('passed')
    const notes = report.findings.filter(
      (f) => f.severity === 'info' && f.invariant === 'no-kernel-splat',
    )
    expect(notes.map((f) => f.message)).toEqual([
      "dmesg unreadable, no splat check: dd: failed to open '/dev/kmsg': Operation not permitted",
    ])
  })
})

describe('cancel', () => {
  it('aborts mid-drill and still restores what changed', async () => {
    const h = harness({ profile: 'pre-series' })
    const handle = await h.engine.startDrill(
      drillRequest('late-ib-reps', { timeoutMs: 20_000 }),
      (p) => {
        if (p.step.name === 'load mlx5_ib') handle.cancel()
      },
    )
    const report = await handle.done
    expect(report.status).toBe('aborted')
    expect(report.restored).toEqual(['numvfs:pci/0000:08:00.0', 'mode:pci/0000:08:00.0'])
    expect(h.host.snapshot().devices[0]?.eswitch?.mode).toBe('legacy')
  })
})

describe('restore failures', () => {
  it('turn a passing drill into an error and say what was not restored', async () => {
    const h = harness()
    const run = h.host.run.bind(h.host)
    h.host.run = (cmd) =>
      cmd.endsWith('mode legacy')
        ? { code: 1, stdout: '', stderr: "Error: mlx5_core: Can't change mode, E-Switch is busy." }
        : run(cmd)
    const report = await h.engine.runDrill(drillRequest('vf-churn'))
    expect(report.status).toBe('error')
    expect(report.restored).toEqual([])
    expect(report.findings.map((f) => f.message)).toEqual([
      "restore of mode:pci/0000:08:00.0 failed: devlink dev eswitch set pci/0000:08:00.0 mode legacy exited 1: Error: mlx5_core: Can't change mode, E-Switch is busy.",
    ])
  })
})

describe('journal: interruption and resume', () => {
  it('lists a crashed run as interrupted with its finished steps and completes its restore', async () => {
    const h = harness()
    h.journal.failAfter = 6 // start, change, step, change, step, change: the disk dies mid-run
    const err = await h.engine.runDrill(drillRequest('late-ib-reps')).catch((e: unknown) => e)
    expect((err as LabError).code).toBe('io-error')
    h.journal.failAfter = undefined
    const later = harness({}, { host: h.host, journal: h.journal }) // the next start of the console
    const [run] = await later.engine.listRuns()
    expect(run?.status).toBe('interrupted')
    expect(run?.steps).toBe(2)
    const report = await later.engine.resumeRestore(run?.runId ?? '')
    expect(report.status).toBe('interrupted')
    const s = h.host.snapshot()
    expect(s.devices[0]?.eswitch?.mode).toBe('legacy')
    expect(s.devices[0]?.pci?.numvfs).toBe(0)
    expect(s.host.modules.mlx5_ib).toBe(true)
    await expect(later.engine.resumeRestore(run?.runId ?? '')).rejects.toMatchObject({
      code: 'invalid-request',
    })
  })

  it('skips torn or unknown journal lines instead of crashing', async () => {
    const h = harness()
    const report = await h.engine.runDrill(drillRequest('vf-churn'))
    h.journal.runs.get(report.runId ?? '')?.splice(2, 0, '{"t":"step","step":', '{"t":"mystery"}')
    const run = await h.engine.readRun(report.runId ?? '')
    expect(run.skipped).toEqual([3, 4])
    expect((await h.engine.report(report.runId ?? '')).steps).toEqual(report.steps)
  })
})

describe('reports', () => {
  it('JUnit parses with one testcase per step and iteration, failures carrying findings', async () => {
    const h = harness({ profile: 'pre-series' })
    const report = await h.engine.runDrill(
      drillRequest('late-ib-reps', { iterations: 2, timeoutMs: 100 }),
    )
    const { content, path } = await h.engine.exportReport(report.runId ?? '', 'junit')
    expect(path).toMatch(/\.junit\.xml$/)
    const errors: string[] = []
    const doc = new DOMParser({
      errorHandler: (_l: string, m: string) => void errors.push(m),
    }).parseFromString(content, 'text/xml')
    expect(errors).toEqual([])
    const cases = Array.from(doc.getElementsByTagName('testcase'))
    expect(cases).toHaveLength(report.steps.length)
    const classes = new Set(cases.map((c) => c.getAttribute('classname')))
    expect(classes).toEqual(
      new Set([
        'replab.late-ib-reps.iteration1',
        'replab.late-ib-reps.iteration2',
        'replab.late-ib-reps.restore',
      ]),
    )
    const failures = Array.from(doc.getElementsByTagName('failure'))
    expect(failures).toHaveLength(2)
    expect(failures[0]?.getAttribute('message')).toContain(
      'IB representors missing for enp8s0f0np0',
    )
  })

  it('HTML is self-contained with the timeline plot, findings and diffs', async () => {
    const h = harness({ profile: 'pre-series' })
    const report = await h.engine.runDrill(drillRequest('late-ib-reps', { timeoutMs: 100 }))
    const { content } = await h.engine.exportReport(report.runId ?? '', 'html')
    expect(content).toMatch(/^<!doctype html>/)
    expect(content).not.toMatch(/<script|<link|src=|href=/)
    expect(content).toContain('<svg')
    expect(content.match(/<rect /g)).toHaveLength(report.steps.length)
    expect(content).toContain('IB representors missing for enp8s0f0np0')
    expect(content).toMatch(/added netdev enp8s0f0npf0vf0/)
  })

  it('repro.sh holds the commands in order with their outputs as comments', async () => {
    const h = harness({ inject: true })
    const report = await h.engine.runDrill(drillRequest('reload-unwind'))
    const { content } = await h.engine.exportReport(report.runId ?? '', 'repro')
    expect(content.split('\n').slice(0, 1)).toEqual(['#!/bin/sh'])
    expect(content).toContain('\nset -x\n')
    const order = [
      'devlink dev eswitch set pci/0000:08:00.0 mode switchdev',
      'echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs',
      "echo 'ib-rep-load-fail pci/0000:08:00.0 1' > /sys/kernel/debug/labsim/inject",
      'devlink dev reload pci/0000:08:00.0 action driver_reinit',
      'devlink dev eswitch set pci/0000:08:00.0 mode legacy',
    ]
    const at = order.map((c) => content.indexOf(`\n${c}\n`))
    expect(at.every((i) => i > 0)).toBe(true)
    expect([...at].sort((x, y) => x - y)).toEqual(at)
    expect(content).toContain('# out| reload_actions_performed:')
    const json = JSON.parse((await h.engine.exportReport(report.runId ?? '', 'json')).content)
    expect(Object.keys(json).slice(0, 6)).toEqual([
      'drill',
      'target',
      'device',
      'status',
      'findings',
      'steps',
    ])
  })
})

describe('single operations', () => {
  it('report command failures, unmet postconditions and missing injection as data', async () => {
    const h = harness({ inject: false })
    const fault = await h.engine.runOperation('fake', {
      op: 'fault',
      device: 'pci/0000:08:00.0',
      fault: 'fw-assert',
    })
    expect(fault.status).toBe('failed')
    expect(fault.error?.code).toBe('unsupported')
    const unknown = await h.engine.runOperation('fake', {
      op: 'mlxconfig',
      bdf: '0000:08:00.0',
      action: 'query',
    })
    expect(unknown.error).toMatchObject({
      code: 'command-failed',
      command: 'mlxconfig -d 0000:08:00.0 -e query SW_RECOVERY_ON_ERRORS',
    })
    const pre = await h.engine.runOperation('fake', {
      op: 'module',
      module: 'mlx5_ib',
      action: 'load',
    })
    expect(pre.error?.code).toBe('precondition-failed')
    const run = h.host.run.bind(h.host)
    h.host.run = (cmd) =>
      cmd.startsWith('devlink dev eswitch') ? { code: 0, stdout: '', stderr: '' } : run(cmd)
    const stuck = await h.engine.runOperation(
      'fake',
      { op: 'eswitch-mode', device: 'pci/0000:08:00.0', mode: 'switchdev' },
      { timeoutMs: 100 },
    )
    expect(stuck.status).toBe('timeout')
    expect(stuck.error?.message).toBe(
      'not observed within 100 ms: E-Switch of pci/0000:08:00.0 in switchdev mode with one VF port per VF',
    )
    expect(stuck.timings.returnedMs).not.toBeNull()
    expect(stuck.timings.observedMs).toBeNull()
  })

  it('rejects hostile requests before anything runs', async () => {
    const h = harness()
    for (const bad of ['; rm -rf /', '$(reboot)', '`reboot`', 'pci/0000:08:00.0\nreboot']) {
      await expect(
        h.engine.runOperation('fake', {
          op: 'devlink-reload',
          device: bad,
          action: 'driver_reinit',
        }),
      ).rejects.toMatchObject({ code: 'invalid-request' })
      await expect(h.engine.plan('fake', { op: 'pci-reset', bdf: bad })).rejects.toMatchObject({
        code: 'invalid-request',
      })
    }
    expect(h.host.log).toEqual([])
  })

  it('a successful operation has timings and the observed diff', async () => {
    const h = harness()
    const r = await h.engine.runOperation('fake', {
      op: 'vf-count',
      device: 'pci/0000:08:00.0',
      count: 2,
    })
    expect(r.status).toBe('ok')
    expect(r.timings.observedMs).not.toBeNull()
    expect(r.diff?.changes.map((c) => `${c.kind} ${c.key}`)).toEqual([
      'added enp8s0f0v0',
      'added enp8s0f0v1',
    ])
  })
})
