import { execFile, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import type { OperationRequest } from '../../contract'
import { connectHost, resolveTarget } from '../../main/ssh'
import {
  NSIM,
  NSIM_SYSFS,
  NVME_SYSFS,
  resetNetdevsim,
  resetNvmePf,
} from '../helpers/netdevsim-state'
import {
  bootVm,
  connectVm,
  locateLab,
  NVME_PF,
  stopVm,
  type LabVm,
  type VmHandle,
} from '../helpers/netdevsim-vm'
import { poll } from '../helpers/poll'
import { engineRig, type EngineRig } from './engine-rig'
import { measured, skipped, type Row } from './report'
import { errText, nowMs, summarize } from './stats'

/**
 * Section 9, operations on a real kernel (issue 16 §8): for an E-Switch mode change, a VF count
 * change, a devlink reload and a VF reset on the netdevsim-lab VM, replab's time from issuing the
 * operation to observing its outcome (`OperationResult.timings.observedMs`, the engine as the
 * console and the CLI run it), beside the floor measured in the same run: the same command plus
 * one verifying query, by hand, over one already-open OpenSSH connection (ControlMaster). Goal
 * ≤1.5×. Skipped, with the reason, where the lab is absent. Boots its own VM unless
 * `REPLAB_VM_PORT` names one already running.
 */

const run = promisify(execFile)
const SECTION = '9 realkernel'
const GOAL = { on: 'ratio', op: '<=', target: 1.5 } as const

/** One operation kind: how to put the VM in its starting state, the request, the floor's shell. */
interface Case {
  readonly name: string
  setup(vm: LabVm, i: number): Promise<void>
  request(i: number): OperationRequest
  /** The same command plus one verifying query, as an engineer would type them. */
  byHand(i: number): string
}

/** The first VF of the lab's NVMe PF (`NVME_PF` function 0, VFs from function 1). */
const VF1 = `${NVME_PF.slice(0, -1)}1`

const CASES: readonly Case[] = [
  {
    name: 'E-Switch mode',
    setup: async (vm, i) =>
      i === 0 ? resetNetdevsim(vm, { vfs: 4, mode: 'switchdev' }) : undefined,
    request: (i) => ({ op: 'eswitch-mode', device: NSIM, mode: i % 2 ? 'switchdev' : 'legacy' }),
    byHand: (i) =>
      `devlink dev eswitch set ${NSIM} mode ${i % 2 ? 'switchdev' : 'legacy'} && devlink -j port show`,
  },
  {
    name: 'VF count',
    setup: async (vm, i) =>
      i === 0 ? resetNetdevsim(vm, { vfs: 0, mode: 'switchdev' }) : undefined,
    request: (i) => ({ op: 'vf-count', device: NSIM, count: i % 2 ? 0 : 4 }),
    byHand: (i) => `echo ${i % 2 ? 0 : 4} > ${NSIM_SYSFS}/sriov_numvfs && devlink -j port show`,
  },
  {
    name: 'devlink reload',
    setup: (vm) => resetNetdevsim(vm, { vfs: 2, mode: 'switchdev' }),
    request: () => ({ op: 'devlink-reload', device: NSIM, action: 'driver_reinit' }),
    byHand: () =>
      `devlink dev reload ${NSIM} action driver_reinit && devlink -j dev eswitch show ${NSIM}`,
  },
  {
    name: 'VF reset (FLR)',
    setup: async (vm, i) => (i === 0 ? resetNvmePf(vm, 2) : undefined),
    request: () => ({ op: 'pci-reset', bdf: VF1 }),
    byHand: () => `echo 1 > /sys/bus/pci/devices/${VF1}/reset && cat ${NVME_SYSFS}/sriov_numvfs`,
  },
]

/** Runs section 9 with `n` samples per case (each case 2n: alternating directions). */
export async function benchRealKernel(n: number): Promise<Row[]> {
  const lab = locateLab()
  if (!lab.ok) return [skipped(SECTION, '*', lab.reason)]
  const reuse = Number(process.env.REPLAB_VM_PORT ?? 0)
  const handle: VmHandle =
    reuse > 0
      ? { ok: true, port: reuse, dir: lab.dir, work: lab.work, bootSeconds: 0 }
      : await bootVm(lab)
  if (!handle.ok) return [skipped(SECTION, '*', handle.reason)]
  const vm = await connectVm(handle)
  const dir = await mkdtemp(join(tmpdir(), 'replab-bench-rk-'))
  try {
    const rig = await replabOn(vm, dir)
    const master = await openMaster(vm, dir)
    try {
      const rows: Row[] = []
      for (const c of CASES) rows.push(await benchCase(c, vm, rig, master, n))
      return rows
    } finally {
      master.close()
      rig.close()
    }
  } catch (err) {
    return [skipped(SECTION, '*', `failed: ${errText(err)}`)]
  } finally {
    vm.close()
    await rm(dir, { recursive: true, force: true })
    if (reuse === 0) await stopVm(handle)
  }
}

async function benchCase(
  c: Case,
  vm: LabVm,
  rig: EngineRig,
  master: Master,
  n: number,
): Promise<Row> {
  const metric = `${c.name}: issue → observed`
  try {
    const replab: number[] = []
    const floor: number[] = []
    for (let i = 0; i < 2 * n; i++) {
      await c.setup(vm, i)
      // Issued as an engineer would, with the watcher idle: the events of the set-up and of the
      // previous sample read (else their reads, seconds on this VM, are timed as the operation's).
      await rig.idle()
      const r = await rig.engine.runOperation('vm', c.request(i), { timeoutMs: 60_000 })
      if (r.status !== 'ok') throw new Error(`${r.status}: ${r.error?.message ?? ''}`)
      replab.push(r.timings.observedMs ?? r.timings.returnedMs ?? NaN)
      await c.setup(vm, i)
      await rig.idle()
      const t0 = nowMs()
      await master.sh(c.byHand(i))
      floor.push(nowMs() - t0)
    }
    const label = `same command + one verifying query over an open OpenSSH connection, n=${2 * n}; both issued with the watcher idle`
    const p50 = summarize(replab).p50
    return measured(SECTION, metric, p50, 'ms', { value: summarize(floor).p50, label }, GOAL)
  } catch (err) {
    return skipped(SECTION, metric, `failed: ${errText(err)}`)
  }
}

/** The engine as the CLI wires it, and a wait for its watcher to have read every event seen. */
/** The engine as the CLI wires it (verified host key, live watcher, fsynced journal). */
async function replabOn(vm: LabVm, dir: string): Promise<EngineRig> {
  const target = await resolveTarget(vm.target, { configFile: null, identityFile: vm.identityFile })
  const conn = await connectHost(target, {
    knownHosts: { file: vm.knownHosts, userFile: null },
    hostKeyPolicy: 'strict',
    reconnect: false,
  })
  return engineRig(conn, vm.target, dir)
}

/** An OpenSSH ControlMaster to the VM; `sh` runs one command over it. */
interface Master {
  sh(command: string): Promise<void>
  close(): void
}

async function openMaster(vm: LabVm, dir: string): Promise<Master> {
  const sock = join(dir, 'cm.sock')
  const common = [
    ...['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${vm.knownHosts}`],
    ...['-o', 'LogLevel=ERROR', '-S', sock, '-p', String(vm.port), '-l', 'root'],
  ]
  const master = spawn('ssh', [...common, '-M', '-N', '-i', vm.identityFile, '127.0.0.1'], {
    stdio: 'ignore',
  })
  await poll(
    async () => await run('ssh', [...common, '-O', 'check', '127.0.0.1']).then(() => true),
    { timeoutMs: 60_000, what: 'the OpenSSH ControlMaster to the VM' },
  )
  return {
    sh: async (command) => void (await run('ssh', [...common, '127.0.0.1', command])),
    close: () => master.kill('SIGTERM'),
  }
}
