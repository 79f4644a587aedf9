import type { HostSnapshot } from '../../contract/snapshot'
import type { RefreshTiming } from '../../main/host/watcher'
import { startHostWatcher, type HostWatcher } from '../../main/host/watcher'
import type { SshConnection } from '../../main/ssh/index'
import { spawnFakeHosts } from './fakehost/process'
import { spawnLabChild } from './lab-process'
import { startPushProbe, type PushProbe } from './push-probe'
import { measured, skipped, type Row } from './report'
import { errText, nowMs, pause, summarize } from './stats'
import { replabConnect, type SshTarget } from './targets'

/**
 * Section 4, change detection (issue 10 §4, issue 19 item 2): a state change made over a second
 * SSH connection until main/host's watcher (`startHostWatcher` on the first connection, monitors
 * on, as main/service/engine-bridge.ts runs it) shows it, and until the renderer's end of the
 * push (push-probe.ts: EventHub → WebSocket front door → a logged-in socket) receives it. Time is
 * taken from issuing the write, so it includes the write's own round trip (the floor). The split
 * says where the time goes: monitor event arrival, refresh start, the targeted read, build +
 * diff, listeners, push. Targets: labsim (a child process, kernel ×0.001; `echo N >
 * sriov_numvfs` 0 ↔ 2 in legacy: VF netdevs come and go) and a fake host (fakehost/: real OpenSSH
 * sshd and sh; the E-Switch mode of a netdevsim device with 2 VFs, legacy ↔ switchdev: port and
 * representor events as iproute2 6.1 prints them). Goal p50 ≤25 ms, p99 ≤50 ms, nothing missed.
 */

const SECTION = '4 change'
/** Changes made before the measured ones (an even number: both directions). */
const WARMUP = 2

/** One target: how to change it and how to see the change. */
interface ChangeKind {
  readonly target: string
  readonly what: string
  setup(run: (cmd: string) => Promise<void>, s: HostSnapshot): Promise<void>
  /** An untimed command before change `i`, if any. */
  before?(i: number): string | null
  command(i: number): string
  seen(i: number): (s: HostSnapshot) => boolean
}

const LABSIM_PF = '0000:08:00.0'
const LABSIM: ChangeKind = {
  target: 'labsim',
  what: 'sriov_numvfs 0 <-> 2 (legacy)',
  async setup(run) {
    await run(`echo 0 > /sys/bus/pci/devices/${LABSIM_PF}/sriov_numvfs`)
    await run('devlink dev eswitch set pci/0000:08:00.0 mode legacy')
  },
  command: (i) => `echo ${i % 2 === 0 ? 2 : 0} > /sys/bus/pci/devices/${LABSIM_PF}/sriov_numvfs`,
  seen: (i) => (s) =>
    s.devices.find((d) => d.pci?.bdf === LABSIM_PF)?.pci?.numvfs === (i % 2 === 0 ? 2 : 0),
}

const NSIM = 'netdevsim/netdevsim1'
const NSIM_VFS = '/sys/bus/netdevsim/devices/netdevsim1/sriov_numvfs'
const nsim = (s: HostSnapshot) => s.devices.find((d) => d.handle === NSIM)
/**
 * netdevsim reports only what changes representors (docs/domain.md §6): the timed changes are
 * legacy → switchdev with 2 VFs (2 ports and representors appear) and 2 → 0 VFs in switchdev
 * (they go, and the E-Switch returns to legacy); 0 → 2 VFs in legacy, which no monitor reports
 * on a real netdevsim either, is set up untimed before each mode change.
 */
const FAKE: ChangeKind = {
  target: 'sshd',
  what: 'netdevsim E-Switch legacy -> switchdev with 2 VFs, then 2 -> 0 VFs in switchdev',
  async setup(run) {
    await run(`echo 0 > ${NSIM_VFS}`)
    await run(`devlink dev eswitch set ${NSIM} mode legacy`)
  },
  before: (i) => (i % 2 === 0 ? `echo 2 > ${NSIM_VFS}` : null),
  command: (i) =>
    i % 2 === 0 ? `devlink dev eswitch set ${NSIM} mode switchdev` : `echo 0 > ${NSIM_VFS}`,
  seen: (i) => (s) =>
    i % 2 === 0 ? nsim(s)?.eswitch?.mode === 'switchdev' : nsim(s)?.sriov?.numvfs === 0,
}

/** `n` changes on each target; rows of detection and push times with their split. */
export async function benchChange(knownHosts: string, n: number): Promise<Row[]> {
  const rows: Row[] = []
  try {
    const lab = await spawnLabChild(1, 0.001)
    try {
      rows.push(...(await onTarget(lab.hosts[0], LABSIM, knownHosts, n)))
    } finally {
      await lab.stop()
    }
  } catch (err) {
    rows.push(skipped(SECTION, 'labsim', errText(err)))
  }
  try {
    const fake = await spawnFakeHosts(1)
    try {
      rows.push(...(await onTarget(fake.hosts[0], FAKE, fake.knownHosts, n)))
    } finally {
      await fake.stop()
    }
  } catch (err) {
    rows.push(skipped(SECTION, 'sshd', errText(err)))
  }
  return rows
}

/** The events and refreshes the watcher reported, with when they happened. */
interface Trace {
  events: number[]
  refreshes: Array<RefreshTiming & { endedAt: number; shows: boolean }>
  seen: ((s: HostSnapshot) => boolean) | null
}

async function onTarget(
  t: SshTarget | undefined,
  kind: ChangeKind,
  knownHosts: string,
  n: number,
): Promise<Row[]> {
  if (!t) return [skipped(SECTION, kind.target, 'no host')]
  const watched = await replabConnect(t, knownHosts)
  const actor = await replabConnect(t, knownHosts)
  const probe = await startPushProbe()
  const trace: Trace = { events: [], refreshes: [], seen: null }
  let watcher: HostWatcher | null = null
  try {
    const run = async (cmd: string): Promise<void> => {
      const r = await actor.exec(cmd, { timeoutMs: 30_000 })
      if (r.code !== 0) throw new Error(`${cmd}: exit ${r.code}: ${r.stderr.trim()}`)
    }
    watcher = await startHostWatcher(watched, {
      hostName: t.name,
      timeoutMs: 60_000,
      onEvent: () => trace.events.push(nowMs()),
      onRefresh: (r) =>
        trace.refreshes.push({
          ...r,
          endedAt: nowMs(),
          shows: trace.seen !== null && watcher !== null && trace.seen(watcher.current()),
        }),
    })
    const w = watcher
    w.onChange((s, diff) => probe.emit(t.name, s, diff))
    await kind.setup(run, w.current())
    return await loop(n, kind, w, probe, actor, trace)
  } catch (err) {
    return [skipped(SECTION, kind.target, `failed: ${errText(err)}`)]
  } finally {
    watcher?.close()
    watched.close()
    actor.close()
    await probe.close()
  }
}

/** Per change: times from issuing the write (ms). */
interface Split {
  write: number[]
  detect: number[]
  push: number[]
  event: number[]
  start: number[]
  read: number[]
  buildDiff: number[]
  notify: number[]
}

async function loop(
  n: number,
  kind: ChangeKind,
  watcher: HostWatcher,
  probe: PushProbe,
  actor: SshConnection,
  trace: Trace,
): Promise<Row[]> {
  const s: Split = {
    ...{ write: [], detect: [], push: [], event: [] },
    ...{ start: [], read: [], buildDiff: [], notify: [] },
  }
  const missed = { up: 0, down: 0 }
  await pause(300) // let the monitors come up after the initial discovery
  const mon = watcher.monitorState()
  // Two changes first, not counted: the first of each kind pays for cold code in the lab and the
  // console (JIT, the first parse of each targeted script), as the other sections warm up too.
  for (let i = -WARMUP; i < n; i++) {
    const prep = kind.before?.(i)
    if (prep) await actor.exec(prep, { timeoutMs: 30_000 })
    await watcher.refresh({ parts: [] })
    await pause(60)
    const pred = kind.seen(i)
    trace.events.length = 0
    trace.refreshes.length = 0
    trace.seen = pred
    // Timestamped when it happens: the write's own return may come later (a mode change).
    const seen = watcher.waitFor(pred, { timeoutMs: 5_000 }).then(() => nowMs())
    const pushed = probe.next(pred, 5_000)
    const t0 = nowMs()
    await actor.exec(kind.command(i), { timeoutMs: 30_000 })
    if (i < 0) {
      await seen.catch(() => undefined)
      await pushed.catch(() => undefined)
      continue
    }
    s.write.push(nowMs() - t0)
    try {
      s.detect.push((await seen) - t0)
      s.push.push((await pushed) - t0)
      splitOf(trace, t0, s)
    } catch {
      if (i % 2 === 0) missed.up++
      else missed.down++
      await pushed.catch(() => undefined)
    }
  }
  return rowsOf(kind, n, s, missed, mon)
}

/** The first event after `t0` and the refresh that first showed the change. */
function splitOf(trace: Trace, t0: number, s: Split): void {
  const ev = trace.events.find((e) => e >= t0)
  if (ev !== undefined) s.event.push(ev - t0)
  const r = trace.refreshes.find((x) => x.shows && x.startedAt >= t0)
  if (!r) return
  s.start.push(r.startedAt - t0)
  s.read.push(r.readMs)
  s.buildDiff.push(r.buildMs + r.diffMs)
  s.notify.push(r.notifyMs)
}

function rowsOf(
  kind: ChangeKind,
  n: number,
  s: Split,
  missed: { up: number; down: number },
  mon: { devlink: boolean; ip: boolean },
): Row[] {
  const d = summarize(s.detect)
  const w = summarize(s.write)
  const p = (xs: number[]): string => summarize(xs).p50.toFixed(1)
  const split =
    `p50 split: event +${p(s.event)} ms, refresh starts +${p(s.start)}, targeted read ${p(s.read)}, ` +
    `build+diff ${p(s.buildDiff)}, listeners ${p(s.notify)}, at the renderer +${p(s.push)}`
  const note = `${kind.what}; ${s.detect.length} of ${n} seen; monitors devlink=${mon.devlink} ip=${mon.ip}; ${split}`
  const floor = (v: number) => ({ value: v, label: 'the write command round trip' })
  const goal = (target: number) => ({ on: 'value', op: '<=', target }) as const
  const t = kind.target
  return [
    measured(SECTION, `${t} change -> watcher p50`, d.p50, 'ms', floor(w.p50), goal(25), note),
    measured(
      SECTION,
      `${t} change -> watcher p99`,
      d.p99,
      'ms',
      floor(w.p99),
      goal(50),
      `p90 ${d.p90.toFixed(0)} ms, max ${d.max.toFixed(0)} ms; slowest: ${[...s.detect]
        .sort((a, b) => b - a)
        .slice(0, 3)
        .map((x) => x.toFixed(0))
        .join(', ')} ms`,
    ),
    measured(
      SECTION,
      `${t} change -> renderer push p50`,
      summarize(s.push).p50,
      'ms',
      floor(w.p50),
      null,
      `EventHub (contract validation) + WebSocket front door + a logged-in socket; p99 ${summarize(s.push).p99.toFixed(0)} ms`,
    ),
    measured(
      SECTION,
      `${t} changes never seen (5 s)`,
      missed.up + missed.down,
      'changes',
      { value: null, label: `of ${n} changes made` },
      { on: 'value', op: '<=', target: 0 },
      `one way missed ${missed.up}, the other ${missed.down}`,
    ),
  ]
}
