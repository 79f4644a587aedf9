import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { DrillReport } from '../../contract/drills'
import { createFsJournalStore } from '../../main/cli/journal-store'
import { createEngine, type SnapshotSource } from '../../main/engine/index'
import { startHostWatcher, type HostWatcher } from '../../main/host/watcher'
import type { SshConnection } from '../../main/ssh/index'
import { sriovPfs } from './labsim-setup'
import { measured, skipped, type Row } from './report'
import { errText, nowMs } from './stats'
import { replabConnect, startLabsim } from './targets'

/**
 * Section 5, fleet (issue 10 §5): the same short `vf-churn` drill (2 iterations, 2 VFs) run at
 * once on 1, 8 and 32 labsim hosts through one engine (`createEngine` wired as
 * main/service/engine-bridge.ts does: SSH connection as runner, host watcher as snapshot source,
 * fs journal). Goal: wall time of 32 hosts ≤1.5x that of 1 host. labsim runs in this process at
 * speed 0.05 (modelled kernel delays x0.05), so its CPU competes with the console's.
 */

const SECTION = '5 fleet'
const SIZES = [1, 8, 32] as const
const SPEED = 0.05

interface Host {
  readonly id: string
  readonly conn: SshConnection
  readonly watcher: HostWatcher
  readonly device: string
}

function sourceOf(w: HostWatcher): SnapshotSource {
  return {
    snapshot: async ({ fresh, signal }) =>
      fresh ? w.refresh({ fresh: true, ...(signal ? { signal } : {}) }) : w.current(),
    onChange: (l) => w.onChange(l),
    waitFor: (p, o) => w.waitFor(p, o),
  }
}

/** Rows: wall time at 8 and 32 hosts, each against 1 host measured in the same run. */
export async function benchFleet(knownHosts: string): Promise<Row[]> {
  let lab
  try {
    lab = await startLabsim({ hosts: 32, profile: 'fixed', speed: SPEED })
  } catch (err) {
    return [skipped(SECTION, 'labsim', errText(err))]
  }
  const dir = await mkdtemp(join(tmpdir(), 'replab-bench-fleet-'))
  const hosts: Host[] = []
  try {
    for (const h of lab.hosts) hosts.push(await attach(h, knownHosts))
    const engine = createEngine({
      runnerFor: (id) => byId(hosts, id).conn,
      snapshotSourceFor: (id) => sourceOf(byId(hosts, id).watcher),
      journal: createFsJournalStore(dir),
      consoleIdentity: { user: 'bench', host: 'bench' },
    })
    const runAll = async (n: number): Promise<{ ms: number; failed: number }> => {
      const t0 = nowMs()
      const reports: DrillReport[] = await Promise.all(
        hosts.slice(0, n).map((h) =>
          engine.runDrill({
            hostId: h.id,
            kind: 'vf-churn',
            device: h.device,
            params: { iterations: 2, vfs: 2, timeoutMs: 60_000, stopOnFailure: true },
          }),
        ),
      )
      return { ms: nowMs() - t0, failed: reports.filter((r) => r.status !== 'passed').length }
    }
    await runAll(1) // warm-up: JIT, first-use paths
    const walls = new Map<number, { ms: number; failed: number }>()
    for (const n of SIZES) walls.set(n, await runAll(n))
    const one = walls.get(1)?.ms ?? null
    return SIZES.filter((n) => n > 1).map((n) => {
      const w = walls.get(n) ?? { ms: Number.NaN, failed: 0 }
      return measured(
        SECTION,
        `${n} hosts vf-churn wall`,
        w.ms,
        'ms',
        { value: one, label: '1 host, same drill' },
        n === 32 ? { on: 'ratio', op: '<=', target: 1.5 } : null,
        `${w.failed} of ${n} not passed; speed ${SPEED}`,
      )
    })
  } catch (err) {
    return [skipped(SECTION, 'labsim', `failed: ${errText(err)}`)]
  } finally {
    for (const h of hosts) {
      h.watcher.close()
      h.conn.close()
    }
    await lab.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

function byId(hosts: readonly Host[], id: string): Host {
  const h = hosts.find((x) => x.id === id)
  if (!h) throw new Error(`no host ${id}`)
  return h
}

async function attach(
  h: { name: string; host: string; port: number; user: string; identityFile: string },
  knownHosts: string,
): Promise<Host> {
  const conn = await replabConnect(h, knownHosts)
  const watcher = await startHostWatcher(conn, { hostName: h.name, timeoutMs: 60_000 })
  const pf = sriovPfs(watcher.current())[0]
  if (!pf) throw new Error(`${h.name}: no SR-IOV PF`)
  return { id: h.name, conn, watcher, device: pf.handle }
}
