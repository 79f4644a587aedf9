import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import type { OperationRequest, OperationResult } from '../../../contract'
import { OPERATIONS, unknownExpectation } from '../../../main/engine/operations'
import { findDevice } from '../../../main/engine/snapshot-query'
import { harness } from './harness'

// Issue 16 item 5 at the operation level: runOperation over the fake host, on vitest's fake
// clock. A device that settles in another state than expected ends with postcondition-mismatch
// well within 2 s of settling (not at the 60 s deadline); an unknown expectation ends ok with
// what was observed.

const PF = 'pci/0000:08:00.0'
const toSwitchdev: OperationRequest = { op: 'eswitch-mode', device: PF, mode: 'switchdev' }

/** A fake host whose `devlink dev eswitch set` exits 0 and changes nothing. */
function deafHost() {
  const h = harness()
  const run = h.host.run.bind(h.host)
  h.host.run = (cmd) =>
    cmd.startsWith('devlink dev eswitch set')
      ? (h.host.log.push(cmd), { code: 0, stdout: '', stderr: '' })
      : run(cmd)
  return h
}

/** Runs an operation with a 60 s budget; resolves with its result and the virtual ms taken. */
async function runFor(h: ReturnType<typeof harness>, request: OperationRequest) {
  const t0 = Date.now()
  let done: { result: OperationResult; ms: number } | undefined
  void h.engine
    .runOperation('fake', request, { timeoutMs: 60_000 })
    .then((result) => (done = { result, ms: Date.now() - t0 }))
  await vi.advanceTimersByTimeAsync(3000)
  if (!done) throw new Error('the operation was still waiting after 3 s')
  return done
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('operations end once the device settled', () => {
  it('the expected state at once: ok, observed at the first read', async () => {
    const { result, ms } = await runFor(harness(), toSwitchdev)
    expect(result.status).toBe('ok')
    expect(ms).toBe(0)
    expect(result.timings.observedMs).toBe(result.timings.returnedMs)
    expect(result.observed).toBe(
      'pci/0000:08:00.0: driver mlx5_core, mode switchdev, numvfs 0, 0 VFs listed, 0 VF ports',
    )
  })

  it('settled in another state: postcondition-mismatch naming host, device, command, expected and observed', async () => {
    const { result, ms } = await runFor(deafHost(), toSwitchdev)
    expect(result.status).toBe('failed')
    expect(result.error).toMatchObject({
      code: 'postcondition-mismatch',
      host: 'root@127.0.0.1:2222',
      device: PF,
      command: 'devlink dev eswitch set pci/0000:08:00.0 mode switchdev',
    })
    const message = result.error?.message ?? ''
    expect(message).toContain('pci/0000:08:00.0 on root@127.0.0.1:2222')
    expect(message).toContain('after devlink dev eswitch set pci/0000:08:00.0 mode switchdev')
    expect(message).toContain(
      'expected E-Switch of pci/0000:08:00.0 in switchdev mode with one VF port per VF [docs/domain.md §1.2',
    )
    expect(message).toContain('observed pci/0000:08:00.0: driver mlx5_core, mode legacy')
    expect(message).toMatch(/no change for \d+ ms/)
    expect(result.observed).toMatch(/mode legacy/)
    // Quiet from the first read on: the verdict comes one settle window (1 s) plus at most one
    // read interval (200 ms) after the command returned.
    expect(result.timings.observedMs).not.toBeNull()
    expect(ms).toBeGreaterThanOrEqual(1000)
    expect(ms).toBeLessThanOrEqual(1200)
  })

  it('an unknown outcome is not a mismatch: ok once settled, with what was observed', async () => {
    vi.spyOn(OPERATIONS['eswitch-mode'], 'expectation').mockImplementation((r) =>
      unknownExpectation(
        `whatever this driver does with ${r.op}`,
        'not modelled',
        (s) => `mode ${findDevice(s, PF)?.eswitch?.mode ?? 'unknown'}`,
      ),
    )
    const { result, ms } = await runFor(deafHost(), toSwitchdev)
    expect(result.status).toBe('ok')
    expect(result.error).toBeUndefined()
    expect(result.observed).toBe('mode legacy')
    expect(result.timings.observedMs).not.toBeNull()
    expect(ms).toBeLessThanOrEqual(1200)
  })
})
