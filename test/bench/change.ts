import type { HostSnapshot } from '../../contract/snapshot'
import { discover } from '../../main/host/discover'
import { startHostWatcher } from '../../main/host/watcher'
import { shapePf, sriovPfs } from './labsim-setup'
import { measured, skipped, type Row } from './report'
import { errText, nowMs, pause, summarize } from './stats'
import { replabConnect, startLabsim } from './targets'

/**
 * Section 4, change detection (issue 10 §4): a labsim state change made over a second SSH
 * connection (`echo N > …/sriov_numvfs`, alternating N = 2 and 0, kernel model at speed 0.001)
 * until main/host's watcher (`startHostWatcher` on the first connection, monitors on, as the
 * engine uses it through engine-bridge.ts) resolves `waitFor` with the new VF count. Time is
 * taken from issuing the write, so it includes the write's own round trip (shown as the floor).
 * Goal p50 and p99 ≤50 ms (LNST and ovs-tests sleep 2–3 s).
 */

const SECTION = '4 change'

function numvfs(s: HostSnapshot, bdf: string): number | undefined {
  return s.devices.find((d) => d.pci?.bdf === bdf)?.pci?.numvfs
}

/** `n` changes; rows p50 and p99 of detection time, beside the write's own exec time. */
export async function benchChange(knownHosts: string, n: number): Promise<Row[]> {
  let lab
  try {
    lab = await startLabsim({ hosts: 1, profile: 'fixed', speed: 0.001 })
  } catch (err) {
    return [skipped(SECTION, 'labsim', errText(err))]
  }
  const h = lab.hosts[0]
  if (!h) return [skipped(SECTION, 'labsim', 'no host')]
  const watched = await replabConnect({ ...h, name: 'labsim' }, knownHosts)
  const actor = await replabConnect({ ...h, name: 'labsim' }, knownHosts)
  try {
    const pf = sriovPfs(await discover(actor, { hostName: h.name, timeoutMs: 60_000 }))[0]
    if (!pf) return [skipped(SECTION, 'labsim', 'no SR-IOV PF')]
    await shapePf(actor, pf, 0, 'legacy')
    const watcher = await startHostWatcher(watched, { hostName: h.name, timeoutMs: 60_000 })
    try {
      return await loop(n, pf.bdf, watcher, (cmd) => actor.exec(cmd, { timeoutMs: 30_000 }))
    } finally {
      watcher.close()
    }
  } catch (err) {
    return [skipped(SECTION, 'labsim', `failed: ${errText(err)}`)]
  } finally {
    watched.close()
    actor.close()
    await lab.stop()
  }
}

async function loop(
  n: number,
  bdf: string,
  watcher: Awaited<ReturnType<typeof startHostWatcher>>,
  run: (cmd: string) => Promise<unknown>,
): Promise<Row[]> {
  const detect: number[] = []
  const write: number[] = []
  const missed = { up: 0, down: 0 }
  await pause(300) // let the monitors come up after the initial discovery
  const mon = watcher.monitorState()
  for (let i = 0; i < n; i++) {
    const want = i % 2 === 0 ? 2 : 0
    const seen = watcher.waitFor((s) => numvfs(s, bdf) === want, { timeoutMs: 5_000 })
    const t0 = nowMs()
    await run(`echo ${want} > /sys/bus/pci/devices/${bdf}/sriov_numvfs`)
    write.push(nowMs() - t0)
    try {
      await seen
      detect.push(nowMs() - t0)
    } catch {
      if (want > 0) missed.up++
      else missed.down++
    }
    await pause(60)
  }
  const d = summarize(detect)
  const w = summarize(write)
  const note = `of ${detect.length} seen; monitors devlink=${mon.devlink} ip=${mon.ip}`
  const floor = (v: number) => ({ value: v, label: 'the write command round trip' })
  const goal = { on: 'value', op: '<=', target: 50 } as const
  return [
    measured(SECTION, 'state change -> watcher p50', d.p50, 'ms', floor(w.p50), goal, note),
    measured(SECTION, 'state change -> watcher p99', d.p99, 'ms', floor(w.p99), goal),
    measured(
      SECTION,
      'changes never seen (5 s)',
      missed.up + missed.down,
      'changes',
      { value: null, label: `of ${n} changes made` },
      { on: 'value', op: '<=', target: 0 },
      `0->2 VFs missed ${missed.up}, 2->0 missed ${missed.down}`,
    ),
  ]
}
