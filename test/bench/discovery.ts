import type { HostSnapshot } from '../../contract/snapshot'
import { discover } from '../../main/host/discover'
import type { CommandRunner, ExecOptions } from '../../main/host/ports'
import type { SshConnection } from '../../main/ssh/index'
import { shapePf, shapeText, sriovPfs } from './labsim-setup'
import { measured, skipped, type Row } from './report'
import { errText, nowMs, summarize, timed } from './stats'
import { rawExec, replabConnect, startLabsim, type LabsimOptions } from './targets'

/**
 * Section 3, discovery (issue 10 §3): a full `discover()` of a labsim host shaped as 1 PF with
 * 8 VFs (legacy) and as up to 4 PFs x 127 VFs in switchdev, against a raw ssh2 `cat` of the
 * same bytes (the discovery output, written into the simulated host's /tmp first) over the same
 * connection. Goal: 1 round trip and ≤2x the cat.
 */

const SECTION = '3 discovery'
const COPY = '/tmp/replab-bench-discovery.out'

/** A runner that counts exec calls and keeps the last stdout. */
function counting(inner: CommandRunner): {
  runner: CommandRunner
  calls(): number
  last(): string
  /** Total ms spent inside exec calls. */
  execMs(): number
} {
  let calls = 0
  let last = ''
  let execMs = 0
  const runner: CommandRunner = {
    target: inner.target,
    exec: async (cmd: string, o: ExecOptions) => {
      calls++
      const t0 = nowMs()
      const r = await inner.exec(cmd, o)
      execMs += nowMs() - t0
      last = r.stdout
      return r
    },
    stream: (cmd, o) => inner.stream(cmd, o),
  }
  return { runner, calls: () => calls, last: () => last, execMs: () => execMs }
}

const BIG = {
  hosts: [
    {
      cards: [
        { ports: 2, totalVfs: 127 },
        { ports: 2, totalVfs: 127 },
      ],
    },
  ],
}

/** Both topologies, each on a fresh single-host labsim; rows for ms and round trips. */
export async function benchDiscovery(
  knownHosts: string,
  nSmall: number,
  nBig: number,
): Promise<Row[]> {
  return [
    ...(await onLab('1PFx8VF', undefined, knownHosts, nSmall, 1, 8, 'legacy')),
    ...(await onLab('4PFx127VF', BIG, knownHosts, nBig, 4, 127, 'switchdev')),
  ]
}

async function onLab(
  label: string,
  scenario: LabsimOptions['scenario'],
  knownHosts: string,
  n: number,
  pfCount: number,
  vfs: number,
  mode: 'legacy' | 'switchdev',
): Promise<Row[]> {
  let lab
  try {
    lab = await startLabsim({
      hosts: 1,
      profile: 'fixed',
      speed: 0.001,
      ...(scenario ? { scenario } : {}),
    })
  } catch (err) {
    return [skipped(SECTION, label, errText(err))]
  }
  const h = lab.hosts[0]
  if (!h) return [skipped(SECTION, label, 'no host')]
  const conn = await replabConnect({ ...h, name: 'labsim' }, knownHosts)
  try {
    const pfs = sriovPfs(await discover(conn, { hostName: h.name, timeoutMs: 300_000 }))
    if (pfs.length < pfCount) return [skipped(SECTION, label, `only ${pfs.length} SR-IOV PFs`)]
    for (const pf of pfs.slice(0, pfCount))
      await shapePf(conn, pf, Math.min(vfs, pf.totalvfs), mode)
    return await measure(conn, h.name, label, n)
  } catch (err) {
    return [skipped(SECTION, label, `failed: ${errText(err)}`)]
  } finally {
    conn.close()
    await lab.stop()
  }
}

async function measure(
  conn: SshConnection,
  hostName: string,
  label: string,
  n: number,
): Promise<Row[]> {
  const c = counting(conn)
  const opts = { hostName, timeoutMs: 300_000 }
  const total: number[] = []
  const execs: number[] = []
  const sample = async (): Promise<HostSnapshot> => {
    const before = c.execMs()
    const t0 = nowMs()
    const snap = await discover(c.runner, opts)
    total.push(nowMs() - t0)
    execs.push(c.execMs() - before)
    return snap
  }
  const snap = await sample() // also captures the bytes the cat floor replays
  const out = c.last()
  const bytes = Buffer.byteLength(out)
  const client = await conn.client(new AbortController().signal)
  await conn.exec(`cat > ${COPY}`, { timeoutMs: 300_000, stdin: out })
  const back = await rawExec(client, `cat ${COPY}`)
  if (Buffer.byteLength(back.stdout) !== bytes) {
    const why = `could not copy ${bytes} B into ${COPY} (got ${back.stdout.length})`
    return [skipped(SECTION, `${label} ms`, why)]
  }
  const cats: number[] = []
  for (let i = 0; i < Math.max(n, 5); i++) {
    if (i > 0 && i < n) await sample()
    cats.push(await timed(() => rawExec(client, `cat ${COPY}`)))
  }
  const d = summarize(total)
  const e = summarize(execs)
  const split = `exec (remote script + transfer) p50 ${e.p50.toFixed(0)} ms, local parse+build ${(d.p50 - e.p50).toFixed(0)} ms`
  return [
    measured(
      SECTION,
      `${label} p50`,
      d.p50,
      'ms',
      { value: summarize(cats).p50, label: `raw ssh2 cat of the same bytes; n=${total.length}` },
      { on: 'ratio', op: '<=', target: 2 },
      `${shapeText(snap)}, ${(bytes / 1024).toFixed(0)} KiB; ${split}`,
    ),
    measured(
      SECTION,
      `${label} round trips`,
      c.calls() / total.length,
      'trips',
      { value: 1, label: 'one exec' },
      { on: 'value', op: '<=', target: 1 },
      `stats.roundTrips=${snap.stats?.roundTrips ?? '?'}`,
    ),
  ]
}
