import { execFile, spawn } from 'node:child_process'
import { access, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { measured, skipped, type Row } from './report'
import { errText, interleave, nowMs, pause, summarize } from './stats'
import { rawClose, rawConnect, rawExec, replabConnect, type SshTarget } from './targets'

/**
 * Section 1, command latency (issue 10 §1): replab's `SshConnection.exec('true')` against raw
 * ssh2 `Client.exec('true')` with `setNoDelay(true)` on the same host, interleaved; plus OpenSSH
 * ControlMaster (a new `ssh -S sock` process per command, docs/perf.md 1b) where /usr/bin/ssh exists.
 * Goal: replab ≤1.1× raw at p50 and p90. The persistent-shell stretch is not built.
 */

const run = promisify(execFile)
const SECTION = '1 latency'
const GOAL = { on: 'ratio', op: '<=', target: 1.1 } as const

/** Replab vs raw ssh2 exec on `target` (`n` samples each); rows p50 and p90, plus mux rows. */
export async function benchLatency(
  target: SshTarget,
  knownHosts: string,
  n: number,
  muxSamples: number,
): Promise<Row[]> {
  const conn = await replabConnect(target, knownHosts)
  const raw = await rawConnect(target)
  try {
    const s = await interleave(
      n,
      () => conn.exec('true', { timeoutMs: 10_000 }),
      () => rawExec(raw, 'true'),
      5,
    )
    const r = summarize(s.a)
    const f = summarize(s.b)
    const floor = (v: number) => ({ value: v, label: `raw ssh2 exec noDelay, n=${n}` })
    const rows = [
      measured(SECTION, `${target.name} exec p50`, r.p50, 'ms', floor(f.p50), GOAL),
      measured(SECTION, `${target.name} exec p90`, r.p90, 'ms', floor(f.p90), GOAL),
    ]
    rows.push(await benchMux(target, muxSamples, f.p50, r.p50))
    return rows
  } finally {
    conn.close()
    await rawClose(raw)
  }
}

/** `ssh -S sock … true` p50 beside the raw ssh2 p50; note gives replab's ratio to the mux. */
async function benchMux(t: SshTarget, n: number, rawP50: number, replabP50: number): Promise<Row> {
  const metric = `${t.name} ssh -S ControlMaster p50`
  try {
    await access('/usr/bin/ssh')
  } catch {
    return skipped(SECTION, metric, '/usr/bin/ssh not installed')
  }
  const dir = await mkdtemp(join(tmpdir(), 'replab-bench-cm-'))
  const sock = join(dir, 'cm.sock')
  const common = [
    '-F',
    '/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-S',
    sock,
    '-p',
    String(t.port),
    '-l',
    t.user,
  ]
  const master = spawn(
    'ssh',
    [...common, '-M', '-N', '-i', t.identityFile, '-o', 'IdentitiesOnly=yes', t.host],
    { stdio: 'ignore' },
  )
  try {
    await waitMaster(common, t.host)
    const samples: number[] = []
    for (let i = 0; i < n + 3; i++) {
      const t0 = nowMs()
      await run('ssh', [...common, t.host, 'true'])
      if (i >= 3) samples.push(nowMs() - t0)
    }
    const p50 = summarize(samples).p50
    return measured(
      SECTION,
      metric,
      p50,
      'ms',
      { value: rawP50, label: `raw ssh2 exec p50, n=${n}` },
      null,
      `replab/mux = ${(replabP50 / p50).toFixed(2)}x`,
    )
  } catch (err) {
    return skipped(SECTION, metric, `ControlMaster failed: ${errText(err)}`)
  } finally {
    await run('ssh', [...common, '-O', 'exit', t.host]).catch(() => undefined)
    if (master.exitCode === null) master.kill('SIGTERM')
    await rm(dir, { recursive: true, force: true })
  }
}

async function waitMaster(common: string[], host: string): Promise<void> {
  const deadline = nowMs() + 15_000
  for (;;) {
    try {
      await run('ssh', [...common, '-O', 'check', host])
      return
    } catch (err) {
      if (nowMs() > deadline)
        throw new Error(`master not up in 15 s: ${errText(err)}`, { cause: err })
      await pause(50)
    }
  }
}
