import type { StepRecord } from '../../../contract/drills'

/**
 * uPlot's columnar data for the step-duration timeline: x = iteration (1-based), one series per
 * step name with its duration in ms (null where the step did not run in that iteration). The
 * plot's y axis is logarithmic, so durations are at least 1 ms (a 0 ms check has no logarithm).
 */
export function timelineData(steps: StepRecord[]): { names: string[]; data: (number | null)[][] } {
  const names: string[] = []
  const byIter = new Map<number, Map<string, number>>()
  for (const s of steps) {
    if (s.status === 'running') continue
    if (!names.includes(s.name)) names.push(s.name)
    const it = s.iteration ?? 1
    const row = byIter.get(it) ?? new Map<string, number>()
    row.set(s.name, Math.max(1, s.durationMs))
    byIter.set(it, row)
  }
  const iters = [...byIter.keys()].sort((a, b) => a - b)
  const data: (number | null)[][] = [iters]
  for (const n of names) data.push(iters.map((i) => byIter.get(i)?.get(n) ?? null))
  return { names, data }
}

/** Pass/fail trend of past runs: newest last, at most `limit` statuses per host and drill. */
export function trends<
  T extends { hostId: string; drill: string; status: string; startedAt: string },
>(
  runs: T[],
  limit = 20,
): { hostId: string; drill: string; statuses: string[]; passed: number; total: number }[] {
  const groups = new Map<string, T[]>()
  for (const r of runs) {
    const k = `${r.hostId}\u0000${r.drill}`
    groups.set(k, [...(groups.get(k) ?? []), r])
  }
  return [...groups.values()].map((rs) => {
    const sorted = [...rs].sort((a, b) => a.startedAt.localeCompare(b.startedAt))
    const first = sorted[0] as T
    return {
      hostId: first.hostId,
      drill: first.drill,
      statuses: sorted.slice(-limit).map((r) => r.status),
      passed: sorted.filter((r) => r.status === 'passed').length,
      total: sorted.length,
    }
  })
}
