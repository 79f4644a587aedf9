import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { DrillReport, HostSnapshot } from '../../contract'
import { createEngine } from '../../main/engine/index'
import { startHostWatcher, type HostWatcher } from '../../main/host/watcher'
import { watcherSource } from '../../main/service/snapshot-source'
import type { SshConnection } from '../../main/ssh/index'
import { createFsJournalStore } from '../../main/store/journal-store'
import { spawnFakeHosts } from './fakehost/process'
import { treeCpuMs } from './proc-cpu'
import { measured, skipped, type Row } from './report'
import { errText, nowMs } from './stats'
import { spawnLabChild } from './lab-process'
import { replabConnect, type SshTarget } from './targets'

/**
 * Section 5, fleet (issue 10 §5, issue 19 item 4): the same short `vf-churn` drill (1 iteration,
 * 2 VFs) run at once on 1, 8 and 32 hosts through one engine (`createEngine` wired as
 * main/service/engine-bridge.ts does: SSH connection as runner, host watcher as snapshot source,
 * fs journal). Goal: wall time of 32 hosts ≤1.5x that of 1 host.
 *
 * Hosts: N fake hosts (fakehost/: each a real OpenSSH sshd process on its own port, in its own
 * mount namespace over a small fake netdevsim sysfs tree, stub tools and a device model), so
 * what grows with N is the console's own work; the rows give the console's CPU and memory per
 * host and the hosts' own CPU (sshd, sh, the tools), which on this machine shares the cores with
 * the console (on a real fleet every host has its own). The labsim rows are a simulator figure:
 * 32 simulated kernels interpreting shell in one process (a child, speed 0.05).
 */

const SECTION = '5 fleet'
const SPEED = 0.05

interface Host {
  readonly id: string
  readonly conn: SshConnection
  readonly watcher: HostWatcher
  readonly device: string
}

/** Where the hosts come from: their targets, the pids whose CPU is theirs, and `stop`. */
interface Fleet {
  readonly label: string
  readonly hosts: readonly SshTarget[]
  readonly pids: readonly number[]
  /** Its own known_hosts file, when its hosts make new keys each run. */
  readonly knownHosts?: string
  stop(): Promise<void>
}

/** The device a drill churns: SR-IOV capable, with an E-Switch. */
function churnDevice(s: HostSnapshot): string | undefined {
  return s.devices.find((d) => d.eswitch && (d.sriov?.totalvfs ?? d.pci?.totalvfs ?? 0) > 0)?.handle
}

/** What one size measured. */
interface SizeResult {
  readonly ms: number
  readonly failed: number
  readonly firstFailure: string | undefined
  /** CPU of this process (the console) during the run, ms. */
  readonly consoleCpuMs: number
  /** CPU of the hosts' processes during the run, ms. */
  readonly hostsCpuMs: number
  /** RSS of this process with the hosts attached and watched, bytes. */
  readonly rss: number
}

/**
 * Rows: wall time of the drill at each size in `sizes` (first must be 1) against 1 host, on
 * fake sshd hosts and on labsim. A size is skipped when the previous one took longer than
 * `budgetMs`.
 */
export async function benchFleet(
  knownHosts: string,
  sizes: readonly number[],
  budgetMs: number,
): Promise<Row[]> {
  const most = Math.max(...sizes)
  const rows: Row[] = []
  const kinds: Array<[string, () => Promise<Fleet>]> = [
    ['sshd', () => sshdFleet(most)],
    ['labsim', () => labsimFleet(most)],
  ]
  for (const [name, start] of kinds) {
    let fleet: Fleet
    try {
      fleet = await start()
    } catch (err) {
      rows.push(skipped(SECTION, name, errText(err)))
      continue
    }
    try {
      rows.push(...(await onFleet(fleet, fleet.knownHosts ?? knownHosts, sizes, budgetMs)))
    } catch (err) {
      rows.push(skipped(SECTION, name, `failed: ${errText(err)}`))
    } finally {
      await fleet.stop()
    }
  }
  return rows
}

async function sshdFleet(n: number): Promise<Fleet> {
  const f = await spawnFakeHosts(n)
  return {
    label: 'sshd',
    hosts: f.hosts,
    pids: [f.pid],
    knownHosts: f.knownHosts,
    stop: () => f.stop(),
  }
}

async function labsimFleet(n: number): Promise<Fleet> {
  const lab = await spawnLabChild(n, SPEED)
  return {
    label: 'labsim (simulator)',
    hosts: lab.hosts,
    pids: [],
    stop: () => lab.stop(),
  }
}

async function onFleet(
  fleet: Fleet,
  knownHosts: string,
  sizes: readonly number[],
  budgetMs: number,
): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'replab-bench-fleet-'))
  const hosts: Host[] = []
  try {
    const engine = createEngine({
      runnerFor: (id) => byId(hosts, id).conn,
      snapshotSourceFor: (id) => watcherSource(byId(hosts, id).watcher),
      journal: createFsJournalStore(dir),
      consoleIdentity: { user: 'bench', host: 'bench' },
    })
    const runAll = drillRunner(engine, hosts, fleet)
    await attachUpTo(fleet, hosts, 1, knownHosts)
    await runAll(1) // warm-up: JIT, first-use paths
    const results = new Map<number, SizeResult>()
    const rows: Row[] = []
    let lastMs = 0
    for (const n of sizes) {
      if (lastMs > budgetMs) {
        const why = `over budget: the previous size took ${(lastMs / 1000).toFixed(0)} s`
        rows.push(skipped(SECTION, `${fleet.label} ${n} hosts`, why))
        continue
      }
      await attachUpTo(fleet, hosts, n, knownHosts)
      const r = await runAll(n)
      results.set(n, r)
      lastMs = r.ms
      if (n === 1) continue
      rows.push(...sizeRows(fleet.label, n, n === Math.max(...sizes), r, results.get(1)))
    }
    return rows
  } finally {
    for (const h of hosts) {
      h.watcher.close()
      h.conn.close()
    }
    await rm(dir, { recursive: true, force: true })
  }
}

function sizeRows(
  label: string,
  n: number,
  last: boolean,
  r: SizeResult,
  one: SizeResult | undefined,
): Row[] {
  const per = (x: number): string => (x / n).toFixed(0)
  const mib = (b: number): string => (b / 2 ** 20).toFixed(1)
  const failures = r.failed ? `; first: ${r.firstFailure ?? '?'}` : ''
  const note =
    `${r.failed} of ${n} not passed${failures}; console CPU ${per(r.consoleCpuMs)} ms/host ` +
    `(1 host: ${one?.consoleCpuMs.toFixed(0) ?? '-'}), RSS ${mib(r.rss)} MiB (1 host: ${mib(one?.rss ?? 0)}); ` +
    `hosts' CPU ${per(r.hostsCpuMs)} ms/host` +
    (label.startsWith('labsim') ? `; labsim child process, speed ${SPEED}` : '')
  return [
    measured(
      SECTION,
      `${label} ${n} hosts vf-churn wall`,
      r.ms,
      'ms',
      { value: one?.ms ?? null, label: '1 host, same drill' },
      last ? { on: 'ratio', op: '<=', target: 1.5 } : null,
      note,
    ),
    measured(
      SECTION,
      `${label} ${n} hosts console CPU, all hosts`,
      r.consoleCpuMs,
      'ms',
      { value: one?.ms ?? null, label: '1 host, same drill, wall time' },
      null,
      `what the console itself spent for ${n} drills at once (one Node thread): with every host on ` +
        `a CPU of its own (a real fleet), the ${n}-host wall could not be shorter than this; the ` +
        `hosts' own CPU here was ${(r.hostsCpuMs / 1000).toFixed(1)} s on the same 2 cores`,
    ),
    measured(
      SECTION,
      `${label} ${n} hosts console CPU per host`,
      r.consoleCpuMs / n,
      'ms',
      { value: one?.consoleCpuMs ?? null, label: '1 host' },
      null,
      'this process (engine, watchers, ssh2) during the drills',
    ),
  ]
}

/** Runs the drill on the first `n` hosts at once; resolves with wall time, failures, CPU. */
function drillRunner(
  engine: ReturnType<typeof createEngine>,
  hosts: readonly Host[],
  fleet: Fleet,
): (n: number) => Promise<SizeResult> {
  return async (n) => {
    const hostsBefore = await treeCpuMs(fleet.pids)
    const cpu0 = process.cpuUsage()
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
    const ms = nowMs() - t1
    const cpu = process.cpuUsage(cpu0)
    const bad = reports.filter((x) => x.status !== 'passed')
    const first = bad[0]
    const r: SizeResult = {
      ms,
      failed: bad.length,
      firstFailure: first
        ? `${first.status}: ${first.findings[0]?.message ?? first.steps.at(-1)?.name ?? ''}`
        : undefined,
      consoleCpuMs: (cpu.user + cpu.system) / 1000,
      hostsCpuMs: (await treeCpuMs(fleet.pids)) - hostsBefore,
      rss: process.memoryUsage().rss,
    }
    log(`${fleet.label} ${n} hosts: ${(r.ms / 1000).toFixed(1)} s, ${r.failed} not passed`)
    return r
  }
}

function log(line: string): void {
  process.stderr.write(`bench: fleet: ${line}\n`)
}

/** Connects and watches hosts (8 at a time) until `hosts` has `n` of them. */
async function attachUpTo(
  fleet: Fleet,
  hosts: Host[],
  n: number,
  knownHosts: string,
): Promise<void> {
  const t0 = nowMs()
  while (hosts.length < n) {
    const batch = fleet.hosts.slice(hosts.length, Math.min(n, hosts.length + 8))
    hosts.push(...(await Promise.all(batch.map((h) => attach(h, knownHosts)))))
  }
  log(`${fleet.label}: ${hosts.length} hosts attached (${((nowMs() - t0) / 1000).toFixed(1)} s)`)
}

function byId(hosts: readonly Host[], id: string): Host {
  const h = hosts.find((x) => x.id === id)
  if (!h) throw new Error(`no host ${id}`)
  return h
}

async function attach(h: SshTarget, knownHosts: string): Promise<Host> {
  const conn = await replabConnect(h, knownHosts)
  const watcher = await startHostWatcher(conn, { hostName: h.name, timeoutMs: 60_000 })
  const device = churnDevice(watcher.current())
  if (!device) throw new Error(`${h.name}: no SR-IOV device with an E-Switch`)
  return { id: h.name, conn, watcher, device }
}
