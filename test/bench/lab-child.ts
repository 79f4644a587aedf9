import { createInterface } from 'node:readline'

import { startLab } from '../../labsim/index'

/**
 * labsim in a process of its own, as `replab serve` runs it (so its CPU is not the console's):
 * `lab-child.ts <hosts> <speed>` starts the hosts and prints `{"hosts": [...]}` as one JSON
 * line. On each stdin line `flood <bytes>` it pushes numbered 120-byte firmware-trace lines
 * into the first host's trace event bus (what `trace_pipe` readers stream) as fast as it can,
 * 2,000 lines per turn of the event loop, and prints `{"done": <lines>}`. Exits when stdin
 * closes.
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
  void flood((x) => kernel.traceEvents.emit(x), Number(m[1])).then((lines) =>
    process.stdout.write(`${JSON.stringify({ done: lines })}\n`),
  )
})
rl.on('close', () => {
  void lab.stop().then(() => process.exit(0))
})
