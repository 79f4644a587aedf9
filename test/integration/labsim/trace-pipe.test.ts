import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { Lab } from '../../../labsim/index'
import { startLab } from '../../../labsim/index'
import { TRACE_PIPE_READ_BYTES } from '../../../labsim/vfs/tracefs'
import { connect } from './ssh-helpers'

let lab: Lab

beforeAll(async () => {
  lab = await startLab({ hosts: 1, speed: 0.005 })
})
afterAll(async () => {
  await lab?.stop()
})

const line = (n: number): string =>
  `  kworker/u8:2-7 [001] d..1. ${(n / 1000).toFixed(6)}: mlx5_fw: seq=${String(n).padStart(8, '0')} ${'x'.repeat(50)}\n`

describe('trace_pipe reads (kernel/trace/trace.c tracing_read_pipe)', () => {
  it('a busy trace reaches the channel in reads of whole lines up to one trace_seq buffer, none lost', async () => {
    const c = await connect(lab.hosts[0]!)
    const chunks: Buffer[] = []
    const count = 3000
    const expected = Array.from({ length: count }, (_, i) => line(i)).join('')
    const kernel = lab.host(lab.hosts[0]!.name).kernel
    const probe = 'probe\n'
    const got = new Promise<void>((resolve, reject) =>
      c.exec('cat /sys/kernel/debug/tracing/trace_pipe', (err, stream) => {
        if (err) return reject(err)
        // The reader subscribes once the remote command runs: probe until it answers, then burst.
        const probing = setInterval(() => kernel.traceEvents.emit(probe), 20)
        stream.on('data', (d: Buffer) => {
          if (chunks.length === 0) {
            clearInterval(probing)
            for (let i = 0; i < count; i++) kernel.traceEvents.emit(line(i))
          }
          chunks.push(d)
          if (
            Buffer.concat(chunks)
              .toString()
              .endsWith(line(count - 1))
          )
            resolve()
        })
      }),
    )
    await got
    const text = Buffer.concat(chunks).toString()
    expect(text.slice(text.indexOf(line(0)))).toBe(expected)
    expect(text.slice(0, text.indexOf(line(0))).replaceAll(probe, '')).toBe('')
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(TRACE_PIPE_READ_BYTES)
      expect(chunk.at(-1)).toBe(10)
    }
    expect(chunks.length).toBeLessThan(count / 10)
    c.end()
  })
})
