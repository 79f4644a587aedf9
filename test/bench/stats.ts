import { performance } from 'node:perf_hooks'

/**
 * Small statistics helpers for the bench: monotonic time, percentiles (nearest-rank) and a
 * summary of a sample set. All times are milliseconds.
 */

/** Monotonic clock, ms (`performance.now()`). */
export function nowMs(): number {
  return performance.now()
}

/** Nearest-rank percentile `p` (0..100) of `samples`; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] as number
}

/** Summary of a sample set (ms unless the caller says otherwise). */
export interface Summary {
  readonly n: number
  readonly p50: number
  readonly p90: number
  readonly p95: number
  readonly p99: number
  readonly min: number
  readonly max: number
  readonly mean: number
}

/** Summarises `samples`; every field is NaN (n = 0) for an empty set. */
export function summarize(samples: readonly number[]): Summary {
  const n = samples.length
  const sum = samples.reduce((a, b) => a + b, 0)
  return {
    n,
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p95: percentile(samples, 95),
    p99: percentile(samples, 99),
    min: n ? Math.min(...samples) : Number.NaN,
    max: n ? Math.max(...samples) : Number.NaN,
    mean: n ? sum / n : Number.NaN,
  }
}

/** Runs `fn` and resolves with its wall time in ms. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = nowMs()
  await fn()
  return nowMs() - t0
}

/**
 * Runs `a` and `b` alternately `n` times each (a, b, b, a, …) so drift on a shared machine
 * hits both sides alike; resolves with both sample sets (ms). `warmup` rounds are discarded.
 */
export async function interleave(
  n: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  warmup = 3,
): Promise<{ a: number[]; b: number[] }> {
  const out = { a: [] as number[], b: [] as number[] }
  for (let i = 0; i < n + warmup; i++) {
    const first = i % 2 === 0
    const ta = first ? await timed(a) : 0
    const tb = await timed(b)
    const ta2 = first ? ta : await timed(a)
    if (i < warmup) continue
    out.a.push(ta2)
    out.b.push(tb)
  }
  return out
}

/** `value / floor`, or null when either side is missing or the floor is 0. */
export function ratio(value: number | null, floor: number | null): number | null {
  if (value === null || floor === null || !Number.isFinite(value) || !Number.isFinite(floor)) {
    return null
  }
  return floor === 0 ? null : value / floor
}

/** Resolves after `ms` (used only between bench phases, never inside a measurement). */
export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** Message of any thrown value. */
export function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
