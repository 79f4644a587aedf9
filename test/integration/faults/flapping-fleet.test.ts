import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startLab, type Lab } from '../../../labsim'
import type { SshConnection } from '../../../main/ssh'
import { connectSim } from '../../helpers/lab-engine'

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

/** Retries `fn` until it resolves or `ms` pass (the last error is rethrown). */
async function eventually<T>(fn: () => Promise<T>, ms: number): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    try {
      return await fn()
    } catch (err) {
      if (Date.now() > end) throw err
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

describe('a fleet with one flapping host', () => {
  it('the other 49 answer every query while one host drops and reboots', async () => {
    const flapping = lab.host(lab.hosts[0]!.name)
    const steady = conns.slice(1)
    let flaps = 0
    let stop = false
    const flapper = (async () => {
      while (!stop) {
        flapping.disconnectAll()
        await new Promise((r) => setTimeout(r, 50))
        await flapping.restart()
        flaps++
      }
    })()
    const errors: string[] = []
    const counts: number[] = []
    try {
      for (let round = 0; round < 4; round++) {
        const results = await Promise.allSettled(steady.map(portShow))
        results.forEach((r, i) => {
          if (r.status === 'fulfilled') counts.push(r.value)
          else errors.push(`${lab.hosts[i + 1]!.name}: ${String(r.reason)}`)
        })
      }
    } finally {
      stop = true
      await flapper
    }
    expect(errors).toEqual([])
    expect(counts).toHaveLength(4 * (HOSTS - 1))
    expect(counts.every((n) => n > 0)).toBe(true)
    expect(flaps).toBeGreaterThan(0)
    // The flapping host's console connection comes back after the last reboot.
    expect(await eventually(() => portShow(conns[0]!), 15_000)).toBeGreaterThan(0)
  }, 120_000)
})
