import { readdir, readFile } from 'node:fs/promises'

/**
 * CPU time of this process and its descendants, by role, from /proc (Linux): the bench's trace
 * section uses it to show where the CPU of a run went (the console renderer, the rest of
 * Chromium, main, the labsim child), since on a 2-core machine every process competes with the
 * renderer. Off Linux (no /proc) only `main` is reported.
 */

/** CPU milliseconds per role: `main`, `labsim`, `renderer`, `chromium` (browser, GPU, utility). */
export type CpuByRole = Record<string, number>

/** USER_HZ: /proc/<pid>/stat counts utime and stime in clock ticks of 10 ms on Linux. */
const TICK_MS = 10

interface Proc {
  readonly pid: number
  readonly ppid: number
  readonly ms: number
}

async function readProc(pid: number): Promise<Proc | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces) start at state (field 3).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { pid, ppid: Number(f[1]), ms: (Number(f[11]) + Number(f[12])) * TICK_MS }
  } catch {
    return null // exited meanwhile
  }
}

async function roleOf(pid: number): Promise<string> {
  const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
  if (cmd.includes('lab-child')) return 'labsim'
  if (cmd.includes('--type=renderer')) return 'renderer'
  if (/chrom/i.test(cmd)) return 'chromium'
  return 'other'
}

/** Samples CPU ms by role now; `main` is this process (process.cpuUsage). */
export async function sampleCpu(): Promise<CpuByRole> {
  const usage = process.cpuUsage()
  const out: CpuByRole = { main: (usage.user + usage.system) / 1000 }
  const pids = await readdir('/proc').catch(() => [] as string[])
  const procs = (
    await Promise.all(pids.filter((p) => /^\d+$/.test(p)).map((p) => readProc(+p)))
  ).filter((p): p is Proc => p !== null)
  const children = new Map<number, Proc[]>()
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p])
  const queue = [...(children.get(process.pid) ?? [])]
  while (queue.length > 0) {
    const p = queue.shift()!
    const role = await roleOf(p.pid)
    out[role] = (out[role] ?? 0) + p.ms
    queue.push(...(children.get(p.pid) ?? []))
  }
  return out
}

/** `after - before` per role (roles of processes that started meanwhile count from 0). */
export function cpuDelta(before: CpuByRole, after: CpuByRole): CpuByRole {
  const out: CpuByRole = {}
  for (const [role, ms] of Object.entries(after)) out[role] = Math.max(0, ms - (before[role] ?? 0))
  return out
}

/** `renderer 3120 · chromium 900 · main 700 · labsim 980 ms`, largest first, zeros left out. */
export function describeCpu(cpu: CpuByRole): string {
  const parts = Object.entries(cpu)
    .filter(([, ms]) => ms >= 5)
    .sort((a, b) => b[1] - a[1])
    .map(([role, ms]) => `${role} ${Math.round(ms)}`)
  return `CPU ms: ${parts.join(' · ') || 'none'}`
}

/**
 * CPU ms of the process trees under `roots` (each root and every live descendant), counting
 * what each live process spent itself plus what its exited, reaped children spent (/proc stat
 * utime, stime, cutime, cstime): the many short-lived `sh`, `cat` and `devlink` a host runs per
 * command are in their sshd's `cutime` once reaped.
 */
export async function treeCpuMs(roots: readonly number[]): Promise<number> {
  const pids = await readdir('/proc').catch(() => [] as string[])
  const stats = new Map<number, { ppid: number; ms: number }>()
  for (const p of pids) {
    if (!/^\d+$/.test(p)) continue
    const stat = await readFile(`/proc/${p}/stat`, 'utf8').catch(() => '')
    if (!stat) continue
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = [11, 12, 13, 14].reduce((a, i) => a + Number(f[i] ?? 0), 0)
    stats.set(Number(p), { ppid: Number(f[1]), ms: ticks * TICK_MS })
  }
  let total = 0
  const queue = roots.filter((r) => stats.has(r))
  const seen = new Set<number>()
  while (queue.length > 0) {
    const p = queue.shift()!
    if (seen.has(p)) continue
    seen.add(p)
    total += stats.get(p)?.ms ?? 0
    for (const [pid, s] of stats) if (s.ppid === p) queue.push(pid)
  }
  return total
}
