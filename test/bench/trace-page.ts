import { Terminal } from '@xterm/xterm'

import { PANE_TERMINAL_OPTIONS } from '../../renderer/features/terminals/term-options'

/**
 * Browser side of the standalone trace floor (bundled by esbuild into one IIFE, run in headless
 * Chromium by trace.ts): a Worker produces numbered 120-byte trace lines as UTF-8 chunks as
 * fast as the ack window allows, the page writes them into a bare @xterm/xterm `Terminal`
 * (DOM renderer; with `paneOptions` the pane's options, renderer/features/terminals/
 * term-options.ts, at the pane's size) and acks consumed bytes from the write callback, like the
 * console's pane. Exposes
 * `window.__traceBench(params)`.
 */

/** Parameters: sizes in bytes, the flow-control window of contract/terminals.ts FLOW. */
export interface TraceParams {
  readonly totalBytes: number
  readonly chunkBytes: number
  readonly ackBytes: number
  readonly highWatermark: number
  readonly lowWatermark: number
  /** Terminal size in cells (the pane's, when comparing against the real path). */
  readonly cols: number
  readonly rows: number
  /** Use the pane's xterm options (renderer/.../term-options.ts) instead of xterm's defaults. */
  readonly paneOptions: boolean
  /** Bytes around each line: main's highlight (SGR), so the floor ingests the pane's bytes. */
  readonly linePrefix: string
  readonly lineSuffix: string
  /**
   * Where the chunks come from: the page's own Worker (the floor), or a loopback WebSocket
   * (trace-ws.ts) sending the same chunks with the same ack window, to weigh the transport.
   */
  readonly socketUrl?: string
}

/** What one run measured (ms, bytes, lines). */
export interface TraceResult {
  readonly ms: number
  readonly bytes: number
  readonly lines: number
  readonly longestGapMs: number
  readonly p95GapMs: number
  readonly lost: number
  /** Binary WebSocket messages that carried the bytes (the real path only). */
  readonly messages?: number
}

/** The producer, as source text for a Blob worker (no imports). */
function producer(): void {
  const enc = new TextEncoder()
  let sent = 0
  let acked = 0
  let seq = 0
  let p: {
    totalBytes: number
    chunkBytes: number
    highWatermark: number
    lowWatermark: number
    linePrefix: string
    lineSuffix: string
  }
  let paused = false
  const line = (n: number): string => {
    const head = `  kworker/u8:2-${n % 97} [001] d..1. ${(n / 1000).toFixed(6)}: mlx5_fw: seq=${String(n).padStart(10, '0')} `
    return `${p.linePrefix}${head}${'x'.repeat(Math.max(0, 119 - head.length))}${p.lineSuffix}\n`
  }
  const pump = (): void => {
    while (sent < p.totalBytes && sent - acked < p.highWatermark) {
      let s = ''
      while (s.length < p.chunkBytes && sent + s.length < p.totalBytes) s += line(seq++)
      const buf = enc.encode(s)
      sent += buf.length
      ;(self as unknown as Worker).postMessage(buf, [buf.buffer])
    }
    paused = sent < p.totalBytes
    if (!paused) (self as unknown as Worker).postMessage({ done: true, lines: seq })
  }
  self.onmessage = (e: MessageEvent) => {
    const d = e.data as { start?: typeof p; ack?: number }
    if (d.start) {
      p = d.start
      pump()
    } else if (d.ack !== undefined) {
      acked += d.ack
      if (paused && sent - acked < p.lowWatermark) pump()
    }
  }
}

function lastSeq(term: Terminal): number {
  const b = term.buffer.active
  for (let y = b.length - 1; y >= 0; y--) {
    const m = /seq=(\d+)/.exec(b.getLine(y)?.translateToString(true) ?? '')
    if (m) return Number(m[1])
  }
  return -1
}

async function run(p: TraceParams): Promise<TraceResult> {
  const el = document.createElement('div')
  el.style.cssText = 'width:1560px;height:960px'
  document.body.append(el)
  const term = new Terminal({
    convertEol: true,
    disableStdin: true,
    ...(p.paneOptions ? PANE_TERMINAL_OPTIONS : { scrollback: 20_000, fontSize: 12 }),
    cols: p.cols,
    rows: p.rows,
  })
  term.open(el)
  const source = p.socketUrl ? socketSource(p.socketUrl) : workerSource(p)
  const gaps: number[] = []
  let last = performance.now()
  let running = true
  const frame = (t: number): void => {
    gaps.push(t - last)
    last = t
    if (running) requestAnimationFrame(frame)
  }
  requestAnimationFrame(frame)
  return new Promise((resolve) => {
    let written = 0
    let pendingAck = 0
    let produced = -1
    let bytes = 0
    const t0 = performance.now()
    const finish = (): void => {
      running = false
      source.close()
      const ms = performance.now() - t0
      const sorted = gaps.slice(1).sort((a, b) => a - b)
      const seen = lastSeq(term) + 1
      resolve({
        ms,
        bytes,
        lines: produced,
        longestGapMs: sorted[sorted.length - 1] ?? 0,
        p95GapMs: sorted[Math.floor(sorted.length * 0.95)] ?? 0,
        lost: produced - seen,
      })
    }
    source.start(
      (chunk) => {
        written++
        term.write(chunk, () => {
          bytes += chunk.length
          pendingAck += chunk.length
          written--
          if (pendingAck >= p.ackBytes) {
            source.ack(pendingAck)
            pendingAck = 0
          }
          if (produced >= 0 && written === 0) finish()
        })
      },
      (lines) => {
        produced = lines
        if (written === 0) finish()
      },
    )
  })
}

/** A producer of chunks with an ack window: `start` hands chunks, then the line count. */
interface Source {
  start(chunk: (data: Uint8Array) => void, done: (lines: number) => void): void
  ack(bytes: number): void
  close(): void
}

function workerSource(p: TraceParams): Source {
  const url = URL.createObjectURL(
    new Blob([`(${producer.toString()})()`], { type: 'text/javascript' }),
  )
  const worker = new Worker(url)
  return {
    start(chunk, done) {
      worker.onmessage = (e: MessageEvent) => {
        if (e.data instanceof Uint8Array) chunk(e.data)
        else done((e.data as { lines: number }).lines)
      }
      worker.postMessage({ start: p })
    },
    ack: (bytes) => worker.postMessage({ ack: bytes }),
    close: () => worker.terminate(),
  }
}

/** Chunks as binary WebSocket messages, the line count as `{"done": n}`, acks as text. */
function socketSource(url: string): Source {
  const ws = new WebSocket(url)
  ws.binaryType = 'arraybuffer'
  return {
    start(chunk, done) {
      ws.onmessage = (e: MessageEvent) => {
        if (e.data instanceof ArrayBuffer) chunk(new Uint8Array(e.data))
        else done((JSON.parse(String(e.data)) as { done: number }).done)
      }
    },
    ack: (bytes) => ws.send(String(bytes)),
    close: () => ws.close(),
  }
}

;(window as unknown as { __traceBench: typeof run }).__traceBench = run
