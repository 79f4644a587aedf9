import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startLab, type Lab } from '../../../labsim'
import type { SshConnection } from '../../../main/ssh'
import { connectSim } from '../../helpers/lab-engine'
import { poll } from '../../helpers/poll'

// Issue 9, faults: 50 hosts, one of them flapping (sessions dropped, then rebooted, repeatedly).
// The other 49 keep answering `devlink -j port show` over their own real SSH connections without
// a single error, and the flapping host comes back.

const HOSTS = Number(process.env.FLEET_HOSTS ?? 50)
let lab: Lab
let dir: string
const conns: SshConnection[] = []

beforeAll(async () => {
  lab = await startLab({ hosts: HOSTS, speed: 0.05 })
  dir = await mkdtemp(join(tmpdir(), 'replab-fleet-'))
  for (const [i, h] of lab.hosts.entries()) {
    conns.push(await connectSim(lab, h.name, join(dir, `known_hosts-${i}`)))
  }
}, 120_000)

afterAll(async () => {
  for (const c of conns) c.close()
  await lab?.stop()
  await rm(dir, { recursive: true, force: true })
})

async function portShow(c: SshConnection): Promise<number> {
  const r = await c.exec('devlink -j port show', { timeoutMs: 15_000 })
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`)
  return Object.keys((JSON.parse(r.stdout) as { port: Record<string, unknown> }).port).length
}

const HUNG = Symbol('hung')

/** Resolves with `p`'s value, or `HUNG` when `p` has not settled after `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | typeof HUNG> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<typeof HUNG>((r) => (timer = setTimeout(() => r(HUNG), ms)))
  try {
    return await Promise.race([p, deadline])
  } finally {
    clearTimeout(timer)
  }
}

describe('a fleet with one flapping host', () => {
  it('the other 49 answer every query while one host drops and reboots', async () => {
    const flapping = lab.host(lab.hosts[0]!.name)
    const steady = conns.slice(1)
    let flaps = 0
    let stop = false
    let restartHung = false
    let drops = 0
    const flapper = (async () => {
      while (!stop && !restartHung) {
        flapping.disconnectAll()
        drops++
        // The flap itself (behaviour under test): 50 ms down before the host reboots.
        await new Promise((r) => setTimeout(r, 50))
        // A restart that does not settle would stall the fleet: stop flapping then (guard only).
        if ((await within(flapping.restart(), 5_000)) === HUNG) restartHung = true
        else flaps++
      }
    })()
    const errors: string[] = []
    const counts: number[] = []
    try {
      for (let round = 0; round < 4; round++) {
        const results = await Promise.all(
          steady.map((c, i) =>
            within(portShow(c), 30_000).then(
              (n) => (n === HUNG ? errors.push(`${lab.hosts[i + 1]!.name}: hung`) : counts.push(n)),
              (err: unknown) => errors.push(`${lab.hosts[i + 1]!.name}: ${String(err)}`),
            ),
          ),
        )
        expect(results).toHaveLength(HOSTS - 1)
      }
    } finally {
      stop = true
      await flapper
    }
    expect(errors).toEqual([])
    expect(counts).toHaveLength(4 * (HOSTS - 1))
    expect(counts.every((n) => n > 0)).toBe(true)
    expect(drops).toBeGreaterThan(0)
    expect(drops).toBeGreaterThanOrEqual(flaps)
  }, 60_000)

  // labsim's close() destroys every socket before awaiting listener.close().
  it('labsim restart() settles while clients keep reconnecting', async () => {
    const flapping = lab.host(lab.hosts[0]!.name)
    for (let i = 0; i < 10; i++) {
      flapping.disconnectAll()
      expect(await within(flapping.restart(), 5_000)).not.toBe(HUNG)
    }
  }, 60_000)

  // openExec races the channel open against the command's signal (main/ssh/channels.ts).
  it('the flapping host comes back, and every exec on it settles within its timeout', async () => {
    const deadline = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000).unref())
    const settled = portShow(conns[0]!).then(
      () => 'ok',
      (err: unknown) => (err instanceof Error ? 'error' : 'thrown'),
    )
    expect(await Promise.race([settled, deadline])).not.toBe('hung')
    const ports = await poll(() => portShow(conns[0]!), {
      timeoutMs: 15_000,
      intervalMs: 100,
      what: 'devlink port show answering on the flapping host again',
    })
    expect(ports).toBeGreaterThan(0)
  }, 60_000)
})
