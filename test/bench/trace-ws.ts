import { WebSocketServer, type WebSocket } from 'ws'

import type { TraceParams } from './trace-page'

/**
 * The Node end of the bench's WebSocket-fed floor (trace-page.ts `socketUrl`): a loopback
 * WebSocket server that sends, to the page that connects, the same numbered 120-byte trace lines
 * as the page's Worker producer, in `chunkBytes` binary messages, with the same ack window
 * (text messages carry acked byte counts), then `{"done": <lines>}`. It isolates what the
 * browser's WebSocket delivery costs: no SSH, no labsim, no console.
 */
export async function startTraceSocket(
  p: TraceParams,
): Promise<{ readonly url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve)
    wss.once('error', reject)
  })
  wss.on('connection', (ws) => serve(ws, p))
  const { port } = wss.address() as { port: number }
  return {
    url: `ws://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
  }
}

/** One numbered trace line, as trace-page.ts `producer` writes it (keep the two alike). */
function line(n: number, p: TraceParams): string {
  const head = `  kworker/u8:2-${n % 97} [001] d..1. ${(n / 1000).toFixed(6)}: mlx5_fw: seq=${String(n).padStart(10, '0')} `
  return `${p.linePrefix}${head}${'x'.repeat(Math.max(0, 119 - head.length))}${p.lineSuffix}\n`
}

function serve(ws: WebSocket, p: TraceParams): void {
  let sent = 0
  let acked = 0
  let seq = 0
  let paused = false
  const pump = (): void => {
    while (sent < p.totalBytes && sent - acked < p.highWatermark) {
      let s = ''
      while (s.length < p.chunkBytes && sent + s.length < p.totalBytes) s += line(seq++, p)
      const buf = Buffer.from(s)
      sent += buf.length
      ws.send(buf)
    }
    paused = sent < p.totalBytes
    if (!paused) ws.send(JSON.stringify({ done: seq }))
  }
  ws.on('message', (m: Buffer) => {
    acked += Number(m.toString())
    if (paused && sent - acked < p.lowWatermark) pump()
  })
  pump()
}
