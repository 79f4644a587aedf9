import type { ClientChannel } from 'ssh2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { Lab } from '../../../labsim/index'
import { startLab } from '../../../labsim/index'
import { poll } from '../../helpers/poll'
import { connect, exec } from './ssh-helpers'

// The ftrace ring is bounded (kernel/trace/ring_buffer.c; `buffer_size_kb` per CPU, 1408 KiB by
// default): in overwrite mode a reader that falls behind loses the oldest unread events and then
// reads `CPU:<n> [LOST <count> EVENTS]` (kernel/trace/trace.c print_trace_line) before the next.

let lab: Lab

beforeAll(async () => {
  lab = await startLab({ hosts: 1, speed: 0.005 })
})
afterAll(async () => {
  await lab?.stop()
})

const DEBUG = '/sys/kernel/debug/tracing'
const TRACEFS = '/sys/kernel/tracing'
const EINVAL = 'bash: line 1: echo: write error: Invalid argument\n'

const tick = (): Promise<void> => new Promise((r) => setImmediate(r))

describe('buffer_size_kb and buffer_total_size_kb', () => {
  it('default to 1408 KiB per CPU (two CPUs), resize on write, refuse what the kernel refuses', async () => {
    const c = await connect(lab.hosts[0]!)
    try {
      const read = async (path: string): Promise<string> => (await exec(c, `cat ${path}`)).stdout
      expect(await read(`${DEBUG}/buffer_size_kb`)).toBe('1408\n')
      expect(await read(`${TRACEFS}/buffer_size_kb`)).toBe('1408\n')
      expect(await read(`${DEBUG}/buffer_total_size_kb`)).toBe('2816\n')

      expect(await exec(c, `echo 65536 > ${TRACEFS}/buffer_size_kb`)).toMatchObject({ code: 0 })
      expect(await read(`${DEBUG}/buffer_size_kb`)).toBe('65536\n')
      expect(await read(`${TRACEFS}/buffer_total_size_kb`)).toBe('131072\n')

      // tracing_entries_write: kstrtoul_from_user (decimal, optional +) and "at least 1 entry".
      for (const bad of ['0', 'abc', '-1', '1.5', '0x40', '64k', '']) {
        const out = await exec(c, `echo '${bad}' > ${DEBUG}/buffer_size_kb`)
        expect(out, bad).toMatchObject({ code: 1, stderr: EINVAL })
      }
      expect(await exec(c, `echo +64 > ${DEBUG}/buffer_size_kb`)).toMatchObject({ code: 0 })
      expect(await read(`${DEBUG}/buffer_size_kb`)).toBe('64\n')

      // Read-only (0444).
      const ro = await exec(c, `echo 9 > ${DEBUG}/buffer_total_size_kb`)
      expect(ro.code).toBe(1)
      expect(ro.stderr).toContain('Permission denied')
      expect(await read(`${DEBUG}/buffer_total_size_kb`)).toBe('128\n')
    } finally {
      await exec(c, `echo 1408 > ${DEBUG}/buffer_size_kb`)
      c.end()
    }
  })
})

describe('trace_pipe reader that stops reading (ring overwrite)', () => {
  it('loses the oldest events past the ring, reports how many, then delivers the newest', async () => {
    const info = lab.hosts[0]!
    const kernel = lab.host(info.name).kernel
    const pf = kernel.pfs[0]!
    const c = await connect(info)
    let text = ''
    const stream = await new Promise<ClientChannel>((resolve, reject) =>
      c.exec(`cat ${DEBUG}/trace_pipe`, (err, s) => (err ? reject(err) : resolve(s))),
    )
    stream.on('data', (d: Buffer) => (text += d.toString()))
    try {
      // The reader subscribes once the remote command runs: probe until it answers.
      const probing = setInterval(() => kernel.fwTrace(pf, 'probe'), 20)
      await poll(() => text !== '', { what: 'the trace_pipe reader to deliver a probe' })
      clearInterval(probing)
      // A small ring (16 KiB per CPU) keeps the test short; set while the reader is open.
      const kb = 16
      expect(await exec(c, `echo ${kb} > ${TRACEFS}/buffer_size_kb`)).toMatchObject({ code: 0 })
      const limit = kb * 1024 * 2

      // The client stops reading: ssh2 buffers up to its window (and its writable's high
      // watermark on labsim's side), then labsim's `cat` blocks in write(2). Trace in small
      // batches (well under the ring) until the reader stayed behind for 500 ms, then three
      // rings more.
      stream.pause()
      let n = 0
      const trace = (count: number): void => {
        for (let i = 0; i < count; i++) kernel.fwTrace(pf, `ring-test ${n++}`, 0x21)
      }
      let since = Date.now()
      const deadline = Date.now() + 60_000
      while (Date.now() - since < 500) {
        if (Date.now() > deadline) throw new Error('the reader never blocked')
        trace(20)
        await tick()
        if (kernel.traceRead === kernel.trace.length) since = Date.now()
      }
      const blockedAt = n
      let tracedBytes = 0
      let longest = 0
      while (tracedBytes < 3 * limit) {
        trace(20)
        for (const line of kernel.trace.slice(-20)) {
          tracedBytes += line.length
          longest = Math.max(longest, line.length)
        }
        await tick()
      }
      const emitted = n
      // The reader is still behind: what the ring holds now is what it delivers on resume.
      expect(kernel.traceRead).toBeLessThan(kernel.trace.length)

      stream.resume()
      const last = `ring-test ${emitted - 1}\n`
      await poll(() => text.endsWith(last), {
        timeoutMs: 60_000,
        what: `the newest event after resume (${emitted - 1})`,
      })

      // Every delivered event is in order; each gap is exactly the count of the LOST line
      // before the event after it; delivered + lost = traced.
      let next = 0
      let lost = 0
      let lostTotal = 0
      let delivered = 0
      let lastLostAt = -1
      const lines = text.split('\n').slice(0, -1)
      lines.forEach((line, index) => {
        const gap = /^CPU:0 \[LOST (\d+) EVENTS\]$/.exec(line)
        if (gap) {
          lost += Number(gap[1])
          lastLostAt = index
          return
        }
        const seq = /ring-test (\d+)$/.exec(line)
        if (!seq) return expect(line).toMatch(/ mlx5_fw: /) // boot-time events, probes
        expect(Number(seq[1]), `event after ${lost} lost`).toBe(next + lost)
        next = Number(seq[1]) + 1
        lostTotal += lost
        lost = 0
        delivered++
      })
      expect(next).toBe(emitted)
      expect(delivered + lostTotal).toBe(emitted)
      // What was traced after the reader blocked, less one ring, was overwritten.
      expect(lostTotal * longest).toBeGreaterThanOrEqual(tracedBytes - limit)
      // Events flowed before the loss. Before the last LOST line came only events traced
      // before the reader blocked (the last is in the read `cat` was blocked writing); after
      // it, what the ring held when the client resumed: the newest events, filling it to
      // within one line.
      const firstLost = lines.findIndex((l) => l.includes('[LOST'))
      expect(lines.slice(0, firstLost).some((l) => l.endsWith('ring-test 0'))).toBe(true)
      const seqs = (from: string[]): number[] =>
        from.flatMap((l) => /ring-test (\d+)$/.exec(l)?.[1] ?? []).map(Number)
      expect(seqs(lines.slice(0, lastLostAt)).at(-1)).toBeLessThan(blockedAt)
      const newest = lines.slice(lastLostAt + 1)
      expect(seqs(newest).at(-1)).toBe(emitted - 1)
      const tail = newest.join('\n').length + 1
      expect(tail).toBeLessThanOrEqual(limit)
      expect(tail).toBeGreaterThan(limit - longest)
    } finally {
      stream.close()
      await exec(c, `echo 1408 > ${DEBUG}/buffer_size_kb`)
      c.end()
    }
  }, 120_000)
})
