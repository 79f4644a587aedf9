import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import {
  classifyLine,
  drillStepUri,
  LineHighlighter,
  type DrillStepRef,
} from '../../../main/service/terminal-highlight'

// Real lines: docs/domain.md §3.2 (health), §3.4 (E-Switch), §3.1 (fw tracer), and the
// lockdep splat labsim prints (labsim/model/splat.ts, from the 2020 lore report).
const FATAL = 'mlx5_core 0000:bb:00.0: poll_health:1083:(pid 0): Fatal error 1 detected'
const RECOVERY =
  'mlx5_core 0000:00:00.1: mlx5_health_try_recover:338:(pid 5553): health recovery flow aborted, PCI reads still not working'
const ESW = 'mlx5_core 0000:81:00.1: E-Switch: Disable: mode(LEGACY), nvfs(2), active vports(3)'
const FW =
  '   kworker/u96:2-1234    [003] .....  5123.456789: mlx5_fw: 0000:08:00.0 [0x1d2c3b4a5f6e7] 0 [0x0] fw string'
const SPLAT = 'WARNING: possible circular locking dependency detected'
// kernel/trace/trace.c print_trace_line, before the first event read after an overwrite.
const LOST = 'CPU:0 [LOST 4242 EVENTS]'
const PLAIN =
  'mlx5_core 0000:08:00.0: E-Switch: Total vports 6, per vport: max uc(128) max mc(2048)'

const enc = (s: string) => new TextEncoder().encode(s)
const dec = (b: Uint8Array) => Buffer.from(b).toString('utf8')
/** Removes what the highlighter inserts: SGR and OSC 8 sequences. */
// eslint-disable-next-line no-control-regex -- the escapes are what is stripped
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m|\x1b\]8;;[^\x1b]*\x1b\\/g, '')
const none = () => null

function run(h: LineHighlighter, parts: string[]): string {
  let out = ''
  for (const p of parts) out += dec(h.push(enc(p)))
  return out + dec(h.release())
}

describe('classifyLine', () => {
  it('names each class from real kernel lines, most severe first', () => {
    expect(classifyLine(FATAL)).toBe('fatal')
    expect(classifyLine(RECOVERY)).toBe('recovery')
    expect(classifyLine(ESW)).toBe('eswitch')
    expect(classifyLine(FW)).toBe('fw')
    expect(classifyLine(SPLAT)).toBe('splat')
    expect(classifyLine('------------[ cut here ]------------')).toBe('splat')
    expect(classifyLine('Call Trace:')).toBe('splat')
    expect(classifyLine(PLAIN)).toBeNull()
    expect(classifyLine('DEBUG: nothing to see')).toBeNull()
  })

  it('names the ftrace lost-events line `lost`, with or without a count, on any CPU', () => {
    expect(classifyLine(LOST)).toBe('lost')
    expect(classifyLine('CPU:13 [LOST EVENTS]')).toBe('lost')
    // A shell pane line ends with CR; a fw trace event that merely mentions loss is not it.
    expect(classifyLine(`${LOST}\r`)).toBe('lost')
    expect(classifyLine(`${FW} [LOST 3 EVENTS]`)).toBe('fw')
    expect(classifyLine('CPU:0 [LOST many EVENTS]')).toBeNull()
  })
})

describe('LineHighlighter', () => {
  it('passes a chunk without notable lines through as the same bytes', () => {
    const h = new LineHighlighter(none, true)
    const chunk = enc(`${PLAIN}\n${PLAIN}\n`)
    expect(h.push(chunk)).toBe(chunk)
  })

  it('colours a fatal line and closes the colour before its newline', () => {
    const out = run(new LineHighlighter(none, true), [`${PLAIN}\n${FATAL}\n`])
    expect(out).toBe(`${PLAIN}\n\x1b[1;31m${FATAL}\x1b[0m\n`)
  })

  it('colours a LOST line between trace events, bold red reversed, keeping every newline', () => {
    const out = run(new LineHighlighter(none, true), [
      `${FW}\n${LOST.slice(0, 9)}`,
      `${LOST.slice(9)}\n${FW}\n`,
    ])
    expect(out).toBe(`\x1b[36m${FW}\x1b[0m\n\x1b[1;7;31m${LOST}\x1b[0m\n\x1b[36m${FW}\x1b[0m\n`)
  })

  it('links a line to the drill step running when it arrived', () => {
    let step: DrillStepRef | null = { runId: 'r-1', step: 4 }
    const h = new LineHighlighter(() => step, true)
    const first = dec(h.push(enc(`${ESW}\n`)))
    step = null
    const second = dec(h.push(enc(`${ESW}\n`)))
    expect(first).toBe(
      `\x1b]8;;replab://drill/r-1/step/4\x1b\\\x1b[33m${ESW}\x1b[0m\x1b]8;;\x1b\\\n`,
    )
    expect(second).toBe(`\x1b[33m${ESW}\x1b[0m\n`)
    expect(drillStepUri({ runId: 'a/b', step: 0 })).toBe('replab://drill/a%2Fb/step/0')
  })

  it('holds a read-only pane line split across packets and highlights it whole', () => {
    const h = new LineHighlighter(none, true)
    const a = dec(h.push(enc(`${PLAIN}\n${FATAL.slice(0, 20)}`)))
    expect(a).toBe(`${PLAIN}\n`)
    expect(h.holding).toBe(true)
    const b = dec(h.push(enc(`${FATAL.slice(20)}\n`)))
    expect(b).toBe(`\x1b[1;31m${FATAL}\x1b[0m\n`)
    expect(h.holding).toBe(false)
  })

  it('never delays the shell: a partial line goes out at once, the colour starts at the match', () => {
    const h = new LineHighlighter(none, false)
    expect(dec(h.push(enc('root@sim-a:~# ')))).toBe('root@sim-a:~# ')
    expect(h.holding).toBe(false)
    const out = dec(h.push(enc(`dmesg\r\n${FATAL.slice(0, 40)}`)))
    expect(out).toBe(`dmesg\r\n${FATAL.slice(0, 40)}`)
    // The rest completes the match: the colour opens there and closes before the CR.
    const rest = dec(h.push(enc(`${FATAL.slice(40)}\r\n`)))
    expect(rest).toBe(`\x1b[1;31m${FATAL.slice(40)}\x1b[0m\r\n`)
  })

  it('closes an open highlight and hands back a held tail before a marker', () => {
    const h = new LineHighlighter(none, false)
    h.push(enc(FATAL))
    expect(dec(h.interrupt())).toBe('\x1b[0m')
    const held = new LineHighlighter(none, true)
    held.push(enc('half a line'))
    expect(dec(held.interrupt())).toBe('half a line')
    expect(held.holding).toBe(false)
  })

  it('does not hold a line longer than 4 KiB', () => {
    const h = new LineHighlighter(none, true)
    const long = 'x'.repeat(5000)
    expect(dec(h.push(enc(long)))).toBe(long)
  })

  it('keeps every byte and every newline for any split of any text (UTF-8 included)', () => {
    const line = fc.constantFrom(FATAL, RECOVERY, ESW, FW, SPLAT, LOST, PLAIN, 'µs → ✓ ünïcödé', '')
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 30 }),
        fc.array(fc.nat(400), { maxLength: 8 }),
        fc.boolean(),
        fc.constantFrom('\n', '\r\n'),
        (lines, cuts, hold, eol) => {
          const bytes = enc(lines.join(eol) + eol)
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y)
          const h = new LineHighlighter(() => ({ runId: 'r', step: 1 }), hold)
          const out: Uint8Array[] = []
          let at = 0
          for (const p of [...points, bytes.length]) {
            out.push(h.push(bytes.subarray(at, p)))
            at = p
          }
          out.push(h.release(), h.interrupt())
          const text = Buffer.concat(out).toString('utf8')
          expect(strip(text)).toBe(dec(bytes))
          expect(text.split('\n').length).toBe(dec(bytes).split('\n').length)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('a firmware-trace flood (whole fw and plain lines) is coloured line by line, as classified', () => {
    const line = fc.constantFrom(FW, PLAIN, 'µs → ✓ ünïcödé', '', `${FW} mlx5_fw: twice`)
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 40 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        (lines, eol, linked) => {
          const ref = linked ? { runId: 'r1', step: 3 } : null
          const h = new LineHighlighter(() => ref, true)
          const out = dec(h.push(enc(lines.map((l) => l + eol).join(''))))
          const open = `${ref ? `\x1b]8;;${drillStepUri(ref)}\x1b\\` : ''}\x1b[36m`
          const close = ref ? '\x1b[0m\x1b]8;;\x1b\\' : '\x1b[0m'
          const want = lines
            .map((l) => (classifyLine(l) === 'fw' ? `${open}${l}${close}${eol}` : `${l}${eol}`))
            .join('')
          expect(out).toBe(want)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('a severe line inside a firmware-trace flood keeps its own colour', () => {
    const severe: Array<[string, string]> = [
      [FATAL, '\x1b[1;31m'],
      ['mlx5_core 0000:08:00.0: device is unrecoverable', '\x1b[1;31m'],
      ["mlx5_core: device's health compromised - reached miss count", '\x1b[1;31m'],
      [SPLAT, '\x1b[31m'],
      ['general protection fault, probably for non-canonical address', '\x1b[31m'],
      ['INFO: task kworker/0:1:42 blocked for more than 120 seconds.', '\x1b[31m'],
      [LOST, '\x1b[1;7;31m'],
      [RECOVERY, '\x1b[1;35m'],
      [ESW, '\x1b[33m'],
    ]
    for (const [line, sgr] of severe) {
      const h = new LineHighlighter(none, true)
      const out = dec(h.push(enc(`${FW}\n${line}\n${FW}\n`)))
      expect(out).toBe(`\x1b[36m${FW}\x1b[0m\n${sgr}${line}\x1b[0m\n\x1b[36m${FW}\x1b[0m\n`)
    }
  })
})
