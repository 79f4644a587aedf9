import { createInterface } from 'node:readline'

import { startLab } from '../../labsim/index'
import { TRACE_BUF_SIZE_KB_DEFAULT, TRACE_CPUS } from '../../labsim/model/kernel'

/**
 * labsim in a process of its own, as `replab serve` runs it (so its CPU is not the console's):
 * `lab-child.ts <hosts> <speed>` starts the hosts and prints `{"hosts": [...]}` as one JSON
 * line. On each stdin line `flood <bytes>` it pushes numbered 120-byte firmware-trace lines
 * into the first host's trace event bus (what `trace_pipe` readers stream) as fast as it can,
 * 2,000 lines per turn of the event loop, and prints `{"done": <lines>}`. Exits when stdin
 * closes. Before a flood it enlarges the trace ring to hold the whole burst (below).
 */

function line(n: number): string {
  const head = `   kworker/u96:2-1234    [003] ..... ${(n / 1000).toFixed(6).padStart(12)}: mlx5_fw: 0000:08:00.0 seq=${String(n).padStart(10, '0')} `
  return `${head}${'x'.repeat(Math.max(0, 119 - head.length))}\n`
}

async function flood(emit: (l: string) => void, bytes: number): Promise<number> {
  let sent = 0
  let n = 0
  while (sent < bytes) {
    for (let i = 0; i < 2000 && sent < bytes; i++) {
      const l = line(n++)
      emit(l)
      sent += l.length
    }
    await new Promise((r) => setImmediate(r))
  }
  return n
}

const lab = await startLab({
  hosts: Number(process.argv[2] ?? 1),
  profile: 'fixed',
  speed: Number(process.argv[3] ?? 0.05),
})
const host = lab.hosts[0]
if (!host) throw new Error('labsim started no host')
const kernel = lab.host(host.name).kernel
process.stdout.write(`${JSON.stringify({ hosts: lab.hosts })}\n`)
const rl = createInterface({ input: process.stdin })
rl.on('line', (l) => {
  const m = /^flood (\d+)$/.exec(l.trim())
  if (!m) return
  const bytes = Number(m[1])
  // The burst measures replab's path, which must lose nothing: like an engineer who enlarges
  // the ring before a capture (`echo <kb> > buffer_size_kb`), set the per-CPU size so the ring
  // holds all of it (plus the default for other events) even if the pane's reader falls behind.
  // Otherwise labsim would overwrite the oldest unread lines past 2 × 1408 KiB, as a kernel does.
  const kb = Math.ceil(bytes / 1024 / TRACE_CPUS) + TRACE_BUF_SIZE_KB_DEFAULT
  kernel.tracing.bufferSizeKb = Math.max(kernel.tracing.bufferSizeKb, kb)
  void flood((x) => kernel.traceEvents.emit(x), bytes).then((lines) =>
    process.stdout.write(`${JSON.stringify({ done: lines })}\n`),
  )
})
rl.on('close', () => {
  void lab.stop().then(() => process.exit(0))
})
