import { readdir } from 'node:fs/promises'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import type { AuditEntry, DrillKind } from '../../../contract'
import { FAULT_DEVICE as DEVICE, pfState } from '../../helpers/fault-drill'
import { useLabConsole, type LabSuite } from '../../helpers/lab-engine'
import { labsimExec } from '../../helpers/labsim-exec'
import { poll } from '../../helpers/poll'

// Issue 21 over real SSH to labsim: a plan whose commands are the run's, VFs in use left alone,
// requests checked against the device and never stored when bad, every command audited, steps
// readable with their commands, outputs and diffs. (Fail fast: drill-fail-fast-labsim.test.ts.)

function request(kind: DrillKind, params: Record<string, unknown> = {}) {
  return { hostId: 'sim-a', kind, device: DEVICE, params: { timeoutMs: 8_000, ...params } }
}

async function runs(suite: LabSuite): Promise<string[]> {
  return readdir(join(suite.rig.dataDir, 'runs')).catch(() => [])
}

/** Sets the PF's VF count through labsim's sysfs over its own SSH connection. */
async function setVfs(suite: LabSuite, n: number): Promise<void> {
  const host = suite.rig.lab.hosts[0]!
  await labsimExec(host, `echo 0 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs`)
  if (n > 0) await labsimExec(host, `echo ${n} > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs`)
}

describe('plans, VFs in use and validation on labsim', () => {
  const suite = useLabConsole({ hosts: 1, profile: 'fixed', speed: 0.02 })

  it('the plan of late-ib-reps lists the commands the run then sends, and changes nothing', async () => {
    await setVfs(suite, 2)
    const before = pfState(suite.rig)
    const log = suite.rig.lab.host('sim-a').commandLog.length
    const plan = await suite.c.engine.planDrill(request('late-ib-reps'))
    const sent = suite.rig.lab
      .host('sim-a')
      .commandLog.slice(log)
      .map((e) => e.command)
    // Reading the host (the discovery script, which starts `read -r M` and reads sysfs; the
    // fault-injection probe) is all a plan does.
    const writes = sent.filter((c) => !c.startsWith('read -r M\n'))
    expect(writes.filter((c) => /sriov_numvfs|eswitch set|modprobe/.test(c))).toEqual([])
    expect(sent.some((c) => c.startsWith('read -r M\n'))).toBe(true)
    expect(pfState(suite.rig)).toEqual(before)
    expect(plan.params.vfs).toBe(2)
    expect(plan.inUse).toEqual([])
    expect(plan.refusal).toBeNull()
    expect(plan.blastRadius.map((b) => b.kind)).toEqual(
      expect.arrayContaining(['devlink', 'vf', 'rdma', 'module']),
    )
    expect(plan.restore.map((r) => r.key)).toEqual(['mode:pci/0000:08:00.0', 'module:mlx5_ib'])
    const report = await suite.c.engine.runDrill(request('late-ib-reps'))
    expect(report.status).toBe('passed')
    const ran = report.steps.filter((s) => s.iteration === 1).flatMap((s) => s.commands ?? [])
    expect(ran).toEqual(plan.steps.flatMap((s) => s.commands))
    expect(pfState(suite.rig)).toEqual(before)
  }, 120_000)

  it('a VF bound to vfio-pci is in use: the plan shows it, the drill refuses naming it, --force runs', async () => {
    await setVfs(suite, 2)
    const host = suite.rig.lab.hosts[0]!
    const vf1 = suite.rig.lab.host('sim-a').state().pfs[0]!.vfs[1]!.bdf
    await labsimExec(host, `echo ${vf1} > /sys/bus/pci/drivers/mlx5_core/unbind`)
    await labsimExec(host, `echo ${vf1} > /sys/bus/pci/drivers/vfio-pci/bind`)
    const snap = await suite.c.watcher.refresh({ fresh: true })
    const vf = snap.devices.find((d) => d.handle === DEVICE)?.pci?.vfs.find((v) => v.bdf === vf1)
    expect(vf).toMatchObject({ driver: 'vfio-pci', inUse: 'bound to vfio-pci' })
    const plan = await suite.c.engine.planDrill(request('vf-churn', { vfs: 1 }))
    expect(plan.inUse.map((v) => `${v.bdf} ${v.reason}`)).toEqual([`${vf1} bound to vfio-pci`])
    expect(plan.refusal).toMatch(/would change the VF count of pci\/0000:08:00\.0 \(2 → 0\)/)
    const before = await runs(suite)
    await expect(suite.c.engine.startDrill(request('vf-churn', { vfs: 1 }))).rejects.toMatchObject({
      code: 'in-use',
      message: expect.stringContaining(`${vf1} (VF 1): bound to vfio-pci`),
    })
    await expect(suite.c.engine.startDrill(request('vf-reset-isolation'))).rejects.toMatchObject({
      code: 'in-use',
      message: expect.stringMatching(
        new RegExp(`would reset VF 1 \\(${vf1.replace(/\./g, '\\.')}\\)`),
      ),
    })
    expect(await runs(suite)).toEqual(before)
    expect(pfState(suite.rig).numVfs).toBe(2)
    // Handed back to mlx5_core and given an address while up: in use again, differently.
    await labsimExec(host, `echo ${vf1} > /sys/bus/pci/drivers/vfio-pci/unbind`)
    await labsimExec(host, `echo ${vf1} > /sys/bus/pci/drivers/mlx5_core/bind`)
    const netdev = suite.rig.lab.host('sim-a').state().pfs[0]!.vfs[1]!.netdev!
    await labsimExec(host, `ip link set dev ${netdev} up && ip addr add 10.0.0.2/24 dev ${netdev}`)
    const again = await suite.c.engine.planDrill(request('vf-churn', { vfs: 1 }))
    expect(again.inUse.map((v) => v.reason)).toEqual([`${netdev} up with 10.0.0.2/24`])
    const forced = await suite.c.engine.runDrill({
      ...request('vf-churn', { vfs: 1 }),
      force: true,
    })
    expect(forced.status).toBe('passed')
    expect(pfState(suite.rig).numVfs).toBe(2)
  }, 120_000)

  it('VFs=100 on an 8-VF PF, a missing device, a bad timeout: invalid-request, no run stored', async () => {
    const before = await runs(suite)
    const total = suite.rig.lab.host('sim-a').state().pfs[0]!.totalVfs
    await expect(
      suite.c.engine.startDrill(request('vf-churn', { vfs: 100 })),
    ).rejects.toMatchObject({
      code: 'invalid-request',
      message: `vf-churn on ${DEVICE} of sim-a: VF count 100 exceeds sriov_totalvfs ${total} of ${DEVICE}`,
    })
    await expect(
      suite.c.engine.startDrill({ ...request('vf-churn'), device: 'pci/0000:42:00.0' }),
    ).rejects.toMatchObject({ code: 'invalid-request', message: /is not present on sim-a/ })
    await expect(
      suite.c.engine.startDrill(request('vf-churn', { timeoutMs: 50 })),
    ).rejects.toMatchObject({ code: 'invalid-request' })
    expect(await runs(suite)).toEqual(before)
    expect((await suite.c.engine.listRuns()).every((r) => r.status !== 'error')).toBe(true)
  }, 60_000)
})

describe('the audit trail of one drill on labsim', () => {
  const entries: AuditEntry[] = []
  const suite = useLabConsole({ hosts: 1, profile: 'fixed', speed: 0.02 })

  it('every command is an entry with its exit code; the drill entry is updated; module actions differ', async () => {
    const c = await suite.rig.console(
      'sim-a',
      { user: 'alice', host: 'laptop' },
      {
        append: async (e) => void entries.push(e),
      },
    )
    const report = await c.engine.runDrill(request('late-ib-reps', { vfs: 1 }), undefined, {
      session: 'ws-7',
    })
    expect(report.status).toBe('passed')
    const runId = report.runId!
    await poll(() => entries.some((e) => e.runId === runId && e.action === 'lock'), {
      what: 'the lock channel audited once released',
    })
    const own = entries.filter((e) => e.id === `drill-${runId}`).map((e) => e.status)
    expect(own).toEqual(['started', 'passed'])
    const commands = entries.filter((e) => e.runId === runId && e.id === undefined)
    const sent = commands.map((e) => e.commands[0]?.command)
    for (const cmd of report.steps.flatMap((s) => s.commands ?? [])) expect(sent).toContain(cmd)
    const unload = commands.find((e) => e.action === 'module unload mlx5_ib')
    const load = commands.find((e) => e.action === 'module load mlx5_ib')
    expect(unload).toMatchObject({ step: 'unload mlx5_ib', status: 'ok', session: 'ws-7' })
    expect(unload?.commands).toEqual([
      { command: 'modprobe -r mlx5_ib', code: 0, durationMs: expect.any(Number) },
    ])
    expect(load?.commands[0]).toMatchObject({ command: 'modprobe mlx5_ib', code: 0 })
    for (const e of commands)
      expect(e).toMatchObject({ who: 'alice@laptop', hostId: 'sim-a', device: DEVICE })
    // Each journaled step reads back with its commands, exit codes, outputs and diff.
    const i = report.steps.findIndex((s) => s.name === 'unload mlx5_ib')
    const detail = await c.engine.stepDetail(runId, i)
    expect(detail.step.name).toBe('unload mlx5_ib')
    expect(detail.records).toEqual([
      expect.objectContaining({ command: 'modprobe -r mlx5_ib', code: 0 }),
    ])
    expect(detail.diff.some((d) => d.entity === 'module' || d.entity === 'rdma')).toBe(true)
    await expect(c.engine.stepDetail(runId, 999)).rejects.toMatchObject({ code: 'not-found' })
  }, 120_000)
})
