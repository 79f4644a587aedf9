import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { DrillReport } from '../../../contract'
import { startLab, type Lab } from '../../../labsim'
import { createFsJournalStore } from '../../../main/store/journal-store'
import { createEngine, type CommandRunner, type Engine } from '../../../main/engine'
import { startHostWatcher, type HostWatcher } from '../../../main/host/watcher'
import { watcherSource } from '../../../main/service/snapshot-source'
import type { SshConnection } from '../../../main/ssh'
import { FAULT_DEVICE, reportText } from '../../helpers/fault-drill'
import { connectSim } from '../../helpers/lab-engine'

// Issue 20, "False passes", on labsim over real SSH:
// - a step whose snapshot did not parse for the device under test used to pass (its ports and
//   netdevs came back empty, so every invariant held vacuously); it is now `error` with the
//   parse errors as evidence;
// - the splat check read `dmesg | tail -n 5000`, so a WARNING followed by 6,000 lines in one
//   step was missed; it now reads /dev/kmsg from a sequence cursor, and says `dmesg-lost` when
//   the ring overwrote records before they were read.
// The runner in between is the host's own: it only lets a test act at a chosen command (print
// to the kernel log, or garble the `ip -j -d addr show` section of discovery).

interface Rig {
  readonly engine: Engine
  /** Called with each command before it runs. */
  before: ((command: string) => void) | null
  /** Rewrites the stdout of discovery scripts (they start `read -r M`, the marker on stdin). */
  garble: ((stdout: string) => string) | null
}

describe('no false pass', () => {
  let lab: Lab
  let dir: string
  let conn: SshConnection
  let watcher: HostWatcher
  let rig: Rig

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, profile: 'fixed', speed: 0.02 })
    dir = await mkdtemp(join(tmpdir(), 'replab-false-pass-'))
    conn = await connectSim(lab, 'sim-a', join(dir, 'known_hosts'))
    const partial: Omit<Rig, 'engine'> = { before: null, garble: null }
    const runner: CommandRunner = {
      target: conn.target,
      get hostKey() {
        return conn.hostKey
      },
      exec: async (command, options) => {
        partial.before?.(command)
        const r = await conn.exec(command, options)
        const garble = partial.garble
        const discovery = command.startsWith('read -r M\n')
        return garble && discovery ? { ...r, stdout: garble(r.stdout) } : r
      },
      stream: (command, options) => conn.stream(command, options),
    }
    watcher = await startHostWatcher(runner, { hostName: 'sim-a', timeoutMs: 30_000 })
    const source = watcherSource(watcher)
    const engine = createEngine({
      runnerFor: () => runner,
      snapshotSourceFor: () => source,
      journal: createFsJournalStore(dir),
      consoleIdentity: { user: 'tester', host: 'console' },
    })
    rig = Object.assign(partial, { engine })
  })
  afterAll(async () => {
    watcher?.close()
    conn?.close()
    await lab?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  const drill = (kind: 'vf-churn' | 'vf-reset-isolation'): Promise<DrillReport> =>
    rig.engine.runDrill({
      hostId: 'sim-a',
      kind,
      device: FAULT_DEVICE,
      params: { iterations: 1, timeoutMs: 3_000, vfs: 2, vfsAlt: 1, stopOnFailure: true },
    })

  /** Prints `lines` to sim-a's kernel log the first time a VF count is written. */
  function printDuringVfCount(lines: () => string[]): void {
    let fired = false
    rig.before = (command) => {
      if (fired || !/> '?\/sys\/bus\/pci\/devices\/[^ ]+\/sriov_numvfs/.test(command)) return
      fired = true
      const kernel = lab.host('sim-a').kernel
      for (const line of lines()) kernel.printk(line, 4)
    }
  }

  it('a step whose ip -j -d addr show does not parse is error, with the parse error as evidence', async () => {
    rig.garble = (stdout) =>
      stdout.replace(/(@@replab-[a-z0-9]+:ip-link:\n\[)/, '$1{"ifindex":1,"bad":}, ')
    try {
      const report = await drill('vf-reset-isolation')
      const text = reportText(report)
      expect(report.status, text).toBe('error')
      const f = report.findings.find((x) => x.invariant === 'snapshot-unreadable')
      expect(f, text).toBeDefined()
      expect(f?.message).toContain('ip -j -d addr show')
      expect(f?.evidence).toMatch(/ip -j -d addr show: .*"bad":\}/)
      expect(report.steps.some((s) => s.status === 'error')).toBe(true)
    } finally {
      rig.garble = null
    }
  }, 120_000)

  it('a WARNING followed by 6,000 lines in one step is found', async () => {
    printDuringVfCount(() => [
      'WARNING: CPU: 1 PID: 4242 at drivers/net/ethernet/mellanox/mlx5/core/eswitch.c:1234 esw_vport_setup+0x42/0x90 [mlx5_core]',
      ...Array.from({ length: 6_000 }, (_v, i) => `mlx5_core 0000:08:00.2: chatty line ${i}`),
    ])
    try {
      const report = await drill('vf-churn')
      const text = reportText(report)
      expect(report.status, text).toBe('failed')
      const splat = report.findings.find((x) => x.invariant === 'no-kernel-splat')
      expect(splat?.message, text).toMatch(/WARNING: CPU: 1 PID: 4242 at .*eswitch\.c:1234/)
      expect(report.findings.some((x) => x.invariant === 'dmesg-lost')).toBe(false)
    } finally {
      rig.before = null
    }
  }, 120_000)

  it('records the ring overwrote before they were read are dmesg-lost, and the drill cannot pass', async () => {
    // labsim's ring holds 20,000 records: 25,000 in one step overwrite the WARNING.
    printDuringVfCount(() => [
      'WARNING: CPU: 0 PID: 1 at somewhere',
      ...Array.from({ length: 25_000 }, (_v, i) => `flood ${i}`),
    ])
    try {
      const report = await drill('vf-churn')
      const text = reportText(report)
      expect(report.status, text).toBe('error')
      const lost = report.findings.find((x) => x.invariant === 'dmesg-lost')
      const count = Number(/overwrote (\d+) records \(seq \d+–\d+\)/.exec(lost?.message ?? '')?.[1])
      expect(count, text).toBeGreaterThanOrEqual(5_001) // the WARNING and what followed it
    } finally {
      rig.before = null
    }
  }, 120_000)
})
