import { readFile } from 'node:fs/promises'

import { measured, type Row } from './report'
import { summarize, interleave } from './stats'
import { rawConnect, replabConnect, type SshTarget } from './targets'

/**
 * Section 2, connect (issue 10 §2): time to a ready connection with replab's `resolveTarget` +
 * `connectHost` (host key checked against known_hosts) against a raw ssh2 `Client` reaching
 * `ready` (docs/perf.md 2a), interleaved, each connection closed before the next. Goal ≤1.2×.
 */

const SECTION = '2 connect'

/** `n` connects of each kind to `target`; one row with the p50s (p90s in the note). */
export async function benchConnect(
  target: SshTarget,
  knownHosts: string,
  n: number,
): Promise<Row[]> {
  const key = await readFile(target.identityFile)
  // First connect records the host key (accept-new), so the timed ones verify a known key.
  ;(await replabConnect(target, knownHosts)).close()
  const s = await interleave(
    n,
    async () => (await replabConnect(target, knownHosts)).close(),
    async () => (await rawConnect(target, key)).end(),
    2,
  )
  const r = summarize(s.a)
  const f = summarize(s.b)
  return [
    measured(
      SECTION,
      `${target.name} connect p50`,
      r.p50,
      'ms',
      { value: f.p50, label: `raw ssh2 ready, n=${n}` },
      { on: 'ratio', op: '<=', target: 1.2 },
      `p90 ${r.p90.toFixed(1)} vs ${f.p90.toFixed(1)} ms`,
    ),
  ]
}
