import { startHostWatcher, type HostWatcher } from '../../main/host/watcher'
import { measured, skipped, type Row } from './report'
import { errText, nowMs, summarize } from './stats'
import { replabConnect, startLabsim } from './targets'

/**
 * Section 8, one host's flood against another's queries (issue 20): labsim with two hosts;
 * host B's fresh snapshot (`HostWatcher.refresh({fresh: true})`, one discovery round trip) is
 * timed `n` times while the lab is quiet, then `n` times while host A's `devlink -j monitor`
 * prints one endless unterminated value (`printf '{"mon":[{…"x":"'; yes A…`) into A's watcher,
 * which cuts it at its 4 MiB limit and restarts it every 200 ms or so. Goal: B's p50 under flood
 * ≤ 2× its quiet p50. Before the bounded splitter the flood held gigabytes and B took over 30 s.
 */

const SECTION = '8 flood'
const FLOOD = `printf '{"mon":[{"command":"new","port":{"x":"'; yes AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`

async function timeFresh(w: HostWatcher, n: number): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const t0 = nowMs()
    await w.refresh({ fresh: true })
    out.push(nowMs() - t0)
  }
  return out
}

/** Rows: B's fresh snapshot p50 quiet (floor) and under A's flood, and how often A was cut. */
export async function benchFlood(knownHosts: string, n: number): Promise<Row[]> {
  let lab
  try {
    lab = await startLabsim({ hosts: 2, profile: 'fixed', speed: 0.001 })
  } catch (err) {
    return [skipped(SECTION, 'labsim', errText(err))]
  }
  const [ha, hb] = lab.hosts
  if (!ha || !hb) return [skipped(SECTION, 'labsim', 'fewer than 2 hosts')]
  const a = await replabConnect({ ...ha, name: 'labsim' }, knownHosts)
  const b = await replabConnect({ ...hb, name: 'labsim' }, knownHosts)
  const watchers: HostWatcher[] = []
  try {
    const healthy = await startHostWatcher(b, { hostName: hb.name, timeoutMs: 60_000 })
    watchers.push(healthy)
    await timeFresh(healthy, 3) // warm-up: JIT and labsim caches, not counted
    const quiet = summarize(await timeFresh(healthy, n))
    let cuts = 0
    const flooded = await startHostWatcher(a, {
      hostName: ha.name,
      timeoutMs: 60_000,
      devlinkMonitor: FLOOD,
      pollMinMs: 200,
      pollMaxMs: 200,
      onMonitorOverflow: () => cuts++,
    })
    watchers.push(flooded)
    const flood = summarize(await timeFresh(healthy, n))
    const rss = Math.round(process.memoryUsage().rss / 2 ** 20)
    return [
      measured(
        SECTION,
        "healthy host's fresh snapshot p50 while another floods",
        flood.p50,
        'ms',
        { value: quiet.p50, label: 'the same, lab quiet' },
        { on: 'ratio', op: '<=', target: 2 },
        `flooding monitor cut ${cuts}× at 4 MiB; RSS ${rss} MiB; p90 ${flood.p90.toFixed(0)} ms vs ${quiet.p90.toFixed(0)} ms quiet`,
      ),
    ]
  } catch (err) {
    return [skipped(SECTION, 'labsim', `failed: ${errText(err)}`)]
  } finally {
    for (const w of watchers) w.close()
    a.close()
    b.close()
    await lab.stop()
  }
}
