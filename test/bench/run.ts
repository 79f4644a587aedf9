import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

import { benchChange } from './change'
import { benchConnect } from './connect'
import { benchDiscovery } from './discovery'
import { benchFleet } from './fleet'
import { benchFlood } from './flood'
import { benchLatency } from './latency'
import { benchOps } from './ops'
import { benchRealKernel } from './realkernel'
import { benchRenderer } from './renderer'
import { writeFile } from 'node:fs/promises'

import {
  formatTable,
  machineBase,
  resultsMarkdown,
  skipped,
  writeResults,
  type Row,
} from './report'
import { errText, nowMs } from './stats'
import {
  startLabsim,
  startSshdTarget,
  tempKnownHosts,
  type LabsimLab,
  type SshTarget,
  type Started,
} from './targets'
import { benchTrace } from './trace'

/**
 * `npm run bench` (= `node --import tsx test/bench/run.ts [--quick] [--only 1,3,7] [--results-md]`): runs the
 * sections of issues 10, 16, 19 and 20 one after another (8: issue 20's flood, 9: the real-kernel VM,
 * 10: issue 19's operations; 4, 5 and 10 also run on fake sshd hosts, fakehost/), prints the table and writes
 * `bench-results.json` in the working directory. A section that cannot run prints
 * "skipped: <why>"; nothing here fails on a timing (the exit code is 0 unless the bench itself
 * crashes).
 */

const exec = promisify(execFile)

/** Sample counts; `--quick` is a smoke run for a busy machine. */
interface Sizes {
  readonly latency: number
  readonly mux: number
  readonly connect: number
  readonly discoverySmall: number
  readonly discoveryBig: number
  readonly change: number
  readonly traceMB: number
  readonly flood: number
  /** Samples per side and operation kind (section 10). */
  readonly ops: number
  readonly fleet: readonly number[]
  /** Samples per operation kind on the real-kernel VM (each alternates two directions). */
  readonly realkernel: number
  /** Skip the next fleet size once one took longer than this, ms. */
  readonly fleetBudgetMs: number
}

const FULL: Sizes = {
  latency: 300,
  mux: 60,
  connect: 30,
  discoverySmall: 10,
  discoveryBig: 1,
  change: 30,
  traceMB: 20,
  flood: 15,
  ops: 6,
  fleet: [1, 8, 32],
  fleetBudgetMs: 75_000,
  realkernel: 5,
}
const QUICK: Sizes = {
  latency: 40,
  mux: 10,
  connect: 6,
  discoverySmall: 3,
  discoveryBig: 1,
  change: 6,
  traceMB: 8,
  flood: 5,
  ops: 2,
  fleet: [1, 4],
  fleetBudgetMs: 60_000,
  realkernel: 2,
}

interface Ctx {
  readonly sizes: Sizes
  readonly knownHosts: string
  sshd(): Promise<SshTarget>
  labsim(): Promise<SshTarget>
}

/** One section: its number, a title for rows when it crashes, and the body. */
interface Section {
  readonly id: number
  readonly title: string
  run(ctx: Ctx): Promise<Row[]>
}

/** Runs `fn` on the sshd target and on labsim; a missing server becomes a skipped row. */
async function onBoth(
  ctx: Ctx,
  title: string,
  fn: (t: SshTarget) => Promise<Row[]>,
): Promise<Row[]> {
  const rows: Row[] = []
  for (const [name, get] of [
    ['labsim', ctx.labsim],
    ['sshd', ctx.sshd],
  ] as const) {
    let target: SshTarget
    try {
      target = await get()
    } catch (err) {
      rows.push(skipped(title, name, errText(err)))
      continue
    }
    try {
      rows.push(...(await fn(target)))
    } catch (err) {
      rows.push(skipped(title, name, `failed: ${errText(err)}`))
    }
  }
  return rows
}

const SECTIONS: readonly Section[] = [
  {
    id: 1,
    title: '1 latency',
    run: (c) =>
      onBoth(c, '1 latency', (t) => benchLatency(t, c.knownHosts, c.sizes.latency, c.sizes.mux)),
  },
  {
    id: 2,
    title: '2 connect',
    run: (c) => onBoth(c, '2 connect', (t) => benchConnect(t, c.knownHosts, c.sizes.connect)),
  },
  {
    id: 3,
    title: '3 discovery',
    run: (c) => benchDiscovery(c.knownHosts, c.sizes.discoverySmall, c.sizes.discoveryBig),
  },
  { id: 4, title: '4 change', run: (c) => benchChange(c.knownHosts, c.sizes.change) },
  {
    id: 5,
    title: '5 fleet',
    run: (c) => benchFleet(c.knownHosts, c.sizes.fleet, c.sizes.fleetBudgetMs),
  },
  { id: 6, title: '6 trace', run: (c) => benchTrace(c.sizes.traceMB) },
  { id: 7, title: '7 renderer', run: () => benchRenderer() },
  { id: 8, title: '8 flood', run: (c) => benchFlood(c.knownHosts, c.sizes.flood) },
  { id: 9, title: '9 realkernel', run: (c) => benchRealKernel(c.sizes.realkernel) },
  { id: 10, title: '10 ops', run: (c) => benchOps(c.knownHosts, c.sizes.ops) },
]

function lazy<T>(
  start: () => Promise<Started<T>>,
  owned: Array<Started<unknown>>,
): () => Promise<T> {
  let p: Promise<Started<T>> | null = null
  return async () => {
    p ??= start().then((s) => (owned.push(s), s))
    return (await p).value
  }
}

async function labsimTarget(): Promise<Started<SshTarget>> {
  const lab: LabsimLab = await startLabsim({ hosts: 1, profile: 'fixed', speed: 0.001 })
  const h = lab.hosts[0]
  if (!h) throw new Error('labsim started no host')
  return { value: { ...h, name: 'labsim' }, stop: () => lab.stop() }
}

async function version(cmd: string, args: string[]): Promise<string | null> {
  try {
    const r = await exec(cmd, args)
    return `${r.stdout}${r.stderr}`.trim().split('\n')[0] ?? null
  } catch {
    return null
  }
}

function parseArgs(argv: readonly string[]): { sizes: Sizes; only: Set<number> | null } {
  const i = argv.indexOf('--only')
  const only = i >= 0 ? new Set((argv[i + 1] ?? '').split(',').map(Number)) : null
  return { sizes: argv.includes('--quick') ? QUICK : FULL, only }
}

async function main(): Promise<void> {
  const started = new Date()
  const t0 = nowMs()
  const { sizes, only } = parseArgs(process.argv.slice(2))
  const owned: Array<Started<unknown>> = []
  const kh = await tempKnownHosts()
  owned.push(kh)
  const ctx: Ctx = {
    sizes,
    knownHosts: kh.value,
    sshd: lazy(startSshdTarget, owned),
    labsim: lazy(labsimTarget, owned),
  }
  const rows: Row[] = []
  try {
    for (const s of SECTIONS) {
      if (only && !only.has(s.id)) continue
      const ts = nowMs()
      process.stderr.write(`bench: section ${s.title}…\n`)
      try {
        rows.push(...(await s.run(ctx)))
      } catch (err) {
        rows.push(skipped(s.title, '*', `failed: ${errText(err)}`))
      }
      process.stderr.write(`bench: ${s.title} took ${((nowMs() - ts) / 1000).toFixed(1)} s\n`)
    }
  } finally {
    for (const o of owned.reverse()) await o.stop().catch(() => undefined)
  }
  const machine = {
    ...machineBase(),
    openssh: await version('ssh', ['-V']),
    chromium: await version('/usr/bin/chromium', ['--version']),
  }
  console.log(formatTable(rows))
  const durationMs = nowMs() - t0
  console.log(
    `\n${machine.cores} cores, ${machine.ramGiB} GiB, Node ${machine.node}, ${machine.openssh ?? 'no ssh'}, ${machine.chromium ?? 'no chromium'}; ${(durationMs / 1000).toFixed(0)} s`,
  )
  await writeResults('bench-results.json', {
    startedAt: started.toISOString(),
    durationMs,
    machine,
    rows,
  })
  console.log('wrote bench-results.json')
  if (process.argv.includes('--results-md')) {
    const file = new URL('./RESULTS.md', import.meta.url)
    const args = process.argv.slice(2).filter((a) => a !== '--results-md')
    await writeFile(
      file,
      resultsMarkdown({ startedAt: started.toISOString(), durationMs, machine, rows, args }),
    )
    console.log('wrote test/bench/RESULTS.md')
  }
}

await main()
process.exit(0)
