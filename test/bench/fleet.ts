import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { DrillReport } from '../../contract/drills'
import { createFsJournalStore } from '../../main/store/journal-store'
import { createEngine, type SnapshotSource } from '../../main/engine/index'
import { startHostWatcher, type HostWatcher } from '../../main/host/watcher'
import type { SshConnection } from '../../main/ssh/index'
import { sriovPfs } from './labsim-setup'
import { measured, skipped, type Row } from './report'
import { errText, nowMs } from './stats'
import { spawnLabChild, type LabChild } from './lab-process'
import { replabConnect } from './targets'

/**
 * Section 5, fleet (issue 10 §5): the same short `vf-churn` drill (2 iterations, 2 VFs) run at
 * once on 1, 8 and 32 labsim hosts through one engine (`createEngine` wired as
 * main/service/engine-bridge.ts does: SSH connection as runner, host watcher as snapshot source,
 * fs journal). Goal: wall time of 32 hosts ≤1.5x that of 1 host. labsim runs in a child process
 * (lab-child.ts) at speed 0.05 (modelled kernel delays x0.05).
 */

const SECTION = '5 fleet'
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

/**
 * Rows: wall time of the drill at each size in `sizes` (first must be 1) against 1 host, in the
 * same run. A size is skipped when the previous one took longer than `budgetMs`.
 */
export async function benchFleet(
  knownHosts: string,
  sizes: readonly number[],
  budgetMs: number,
): Promise<Row[]> {
  const most = Math.max(...sizes)
  let lab: LabChild
  try {
    lab = await spawnLabChild(most, SPEED)
  } catch (err) {
    return [skipped(SECTION, 'labsim', errText(err))]
  }
  const dir = await mkdtemp(join(tmpdir(), 'replab-bench-fleet-'))
  const hosts: Host[] = []
  try {
    const engine = createEngine({
      runnerFor: (id) => byId(hosts, id).conn,
      snapshotSourceFor: (id) => sourceOf(byId(hosts, id).watcher),
      journal: createFsJournalStore(dir),
      consoleIdentity: { user: 'bench', host: 'bench' },
    })
    const runAll = drillRunner(engine, hosts)
    await attachUpTo(lab, hosts, 1, knownHosts)
    await runAll(1) // warm-up: JIT, first-use paths
    const walls = new Map<number, { ms: number; failed: number }>()
    const rows: Row[] = []
    let lastMs = 0
    for (const n of sizes) {
      if (lastMs > budgetMs) {
        rows.push(
          skipped(
            SECTION,
            `${n} hosts`,
            `over budget: the previous size took ${(lastMs / 1000).toFixed(0)} s`,
          ),
        )
        continue
      }
      await attachUpTo(lab, hosts, n, knownHosts)
      const w = await runAll(n)
      walls.set(n, w)
      lastMs = w.ms
      if (n === 1) continue
      rows.push(
        measured(
          SECTION,
          `${n} hosts vf-churn wall`,
          w.ms,
          'ms',
          { value: walls.get(1)?.ms ?? null, label: '1 host, same drill' },
          n === most ? { on: 'ratio', op: '<=', target: 1.5 } : null,
          `${w.failed} of ${n} not passed; labsim child process, speed ${SPEED}`,
        ),
      )
    }
    return rows
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

/** Runs the drill on the first `n` hosts at once; resolves with the wall time and failures. */
function drillRunner(
  engine: ReturnType<typeof createEngine>,
  hosts: readonly Host[],
): (n: number) => Promise<{ ms: number; failed: number }> {
  return async (n) => {
    const t1 = nowMs()
    const reports: DrillReport[] = await Promise.all(
      hosts.slice(0, n).map((h) =>
        engine.runDrill({
          hostId: h.id,
          kind: 'vf-churn',
          device: h.device,
          params: { iterations: 1, vfs: 2, timeoutMs: 120_000, stopOnFailure: true },
        }),
      ),
    )
    const r = { ms: nowMs() - t1, failed: reports.filter((x) => x.status !== 'passed').length }
    log(`${n} hosts: ${(r.ms / 1000).toFixed(1)} s, ${r.failed} not passed`)
    return r
  }
}

function log(line: string): void {
  process.stderr.write(`bench: fleet: ${line}\n`)
}

/** Connects and watches hosts (8 at a time) until `hosts` has `n` of them. */
async function attachUpTo(
  lab: LabChild,
  hosts: Host[],
  n: number,
  knownHosts: string,
): Promise<void> {
  const t0 = nowMs()
  while (hosts.length < n) {
    const batch = lab.hosts.slice(hosts.length, Math.min(n, hosts.length + 8))
    hosts.push(...(await Promise.all(batch.map((h) => attach(h, knownHosts)))))
  }
  log(`${hosts.length} hosts attached (${((nowMs() - t0) / 1000).toFixed(1)} s)`)
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
