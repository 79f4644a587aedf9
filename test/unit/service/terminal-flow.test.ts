import { mkdtemp, readFile, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { describe, expect, it, vi } from 'vitest'

import { countNewlines as countLines } from '../../../contract'
import { Coalescer, FlowWindow } from '../../../main/service/terminal-flow'
import { SessionLog } from '../../../main/service/session-log'

describe('FlowWindow', () => {
  it('pauses once above the high watermark and resumes only below the low one', () => {
    const w = new FlowWindow(1000, 200)
    expect(w.sent(600)).toBe('none')
    expect(w.sent(600)).toBe('pause')
    expect(w.sent(600)).toBe('none') // already paused
    expect(w.acked(1000)).toBe('none') // 800 pending, still above low
    expect(w.acked(700)).toBe('resume')
    expect(w.pending).toBe(100)
    expect(w.acked(10_000)).toBe('none')
    expect(w.pending).toBe(0)
  })
})

describe('Coalescer', () => {
  it('sends the first chunk after idle at once and coalesces a burst within the interval', () => {
    vi.useFakeTimers()
    const out: Uint8Array[] = []
    const c = new Coalescer((chunk) => out.push(chunk), 16)
    c.push(new Uint8Array([1]))
    expect(out).toHaveLength(1)
    c.push(new Uint8Array([2]))
    c.push(new Uint8Array([3, 4]))
    expect(out).toHaveLength(1)
    vi.advanceTimersByTime(16)
    expect(out).toHaveLength(2)
    expect([...out[1]!]).toEqual([2, 3, 4])
    vi.useRealTimers()
  })

  it('flushes early when the burst exceeds maxBytes', () => {
    vi.useFakeTimers()
    const out: Uint8Array[] = []
    const c = new Coalescer((chunk) => out.push(chunk), 16, 8)
    c.push(new Uint8Array(1))
    c.push(new Uint8Array(4))
    c.push(new Uint8Array(5))
    expect(out.map((x) => x.length)).toEqual([1, 9])
    c.dispose()
    vi.useRealTimers()
  })

  it('counts lines by newline bytes', () => {
    expect(countLines(new TextEncoder().encode('a\nb\n\nc'))).toBe(3)
  })

  it('counts newlines at the edges, in views of a larger buffer, and in empty or newline-free chunks', () => {
    expect(countLines(new Uint8Array(0))).toBe(0)
    expect(countLines(new TextEncoder().encode('no newline'))).toBe(0)
    expect(countLines(new TextEncoder().encode('\n\n'))).toBe(2)
    const big = new TextEncoder().encode('x\ny\nz\n')
    expect(countLines(big.subarray(2, 5))).toBe(1) // 'y\nz': the view's own bytes only
    const flood = new TextEncoder().encode('trace line\n'.repeat(10_000))
    expect(countLines(flood)).toBe(10_000)
  })
})

describe('SessionLog', () => {
  it('timestamps complete lines, keeps partial lines for later, and rotates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'replab-log-'))
    const log = new SessionLog(join(dir, 'trace.log'), undefined, 200, 50)
    await log.open()
    log.write('first li')
    log.write('ne\nsecond\n')
    log.marker('parked: PF unbind')
    for (let i = 0; i < 20; i++) log.write(`line ${i} ${'x'.repeat(20)}\n`)
    await log.close()
    const files = (await readdir(dir)).sort()
    expect(files).toContain('trace.log.1')
    const all = (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('')
    expect(all).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z first line$/m)
    expect(all).toMatch(/--- parked: PF unbind ---/)
    expect(all).toContain('line 19')
  })
})
