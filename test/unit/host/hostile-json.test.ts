import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { visibleText } from '../../../contract'
import { createJsonSplitter, MAX_VALUE_CHARS } from '../../../main/host/json-splitter'
import { devlinkEvent } from '../../../main/host/monitor-events'
import { parseIpLinks } from '../../../main/host/parse-net'
import { parsePorts } from '../../../main/host/parse-devlink'

// Issue 20, "False passes": iproute2 6.1 prints control characters in interface names raw
// inside its JSON, so one such netdev made `ip -j -d link show` (and `devlink -j port show`)
// unparseable and the snapshot's netdevs came back empty. The capture below is real output of
// iproute2 6.1 (test/fixtures/hostile/README.md says how it was made).

const FIXTURES = join(__dirname, '../../fixtures/hostile')
const ctx = { host: 'root@lab:22', command: 'ip -j -d link show' }

async function body(name: string): Promise<string> {
  const text = await readFile(join(FIXTURES, name), 'utf8')
  return text.split('\n').slice(3).join('\n')
}

describe('control characters in tool JSON', () => {
  it('parses the real iproute2 6.1 capture and keeps every name byte for byte', async () => {
    const text = await body('ip_j_d_link_show_ctrl_names.txt')
    expect(() => JSON.parse(text)).toThrow() // what iproute2 printed is not valid JSON
    const r = parseIpLinks(ctx, text)
    if (!r.ok) throw new Error(r.issue.message)
    expect(r.issues ?? []).toEqual([])
    expect(r.value.map((l) => l.ifname)).toEqual([
      'lo',
      'a\x1b[2Kb',
      'x\x01y*',
      'nm*',
      'e\x1b[9A\x1b[J',
      'bs\\c\\x',
      '$(id>x)',
      'q"u',
      'm\x1b]0;t\x07',
      'c1\u009bJ',
      'plain0',
    ])
    // Shown escaped: a name can no longer move the cursor or retitle a terminal.
    expect(r.value.map((l) => visibleText(l.ifname))).toContain('e\\e[9A\\e[J')
    expect(visibleText('m\x1b]0;t\x07')).toBe('m\\e]0;t\\x07')
    expect(visibleText('c1\u009bJ')).toBe('c1\\u009bJ')
    expect(visibleText('bs\\c')).toBe('bs\\\\c')
    expect(visibleText('a\u202eb\r\n', { multiline: true })).toBe('a\\u202eb\\r\n')
  })

  it('one element broken beyond repair costs that element, not the section', async () => {
    const text = await body('ip_j_link_show_ctrl_names.txt')
    const broken = text.replace('{"ifindex":4,', '{"ifindex":4,"bad":nonsense,')
    const r = parseIpLinks(ctx, broken)
    if (!r.ok) throw new Error(r.issue.message)
    expect(r.value.map((l) => l.ifindex)).toEqual([1, 2, 3, 5, 6, 7, 8, 9, 10, 11])
    expect(r.issues?.map((i) => i.message)).toEqual(
      expect.arrayContaining(['array element does not parse: skipped']),
    )
  })

  it('devlink JSON with a raw ESC in a netdev name parses (port and monitor)', () => {
    const port =
      '{"port":{"pci/0000:08:00.0/65535":{"type":"eth","netdev":"up\x1b[2Klink","flavour":"physical","port":0,"splittable":false}}}\n'
    const r = parsePorts({ host: 'h', command: 'devlink -j port show' }, port)
    if (!r.ok) throw new Error(r.issue.message)
    expect(r.value[0]?.netdev).toBe('up\x1b[2Klink')
    const values: unknown[] = []
    const s = createJsonSplitter({ onValue: (v) => values.push(v), onGarbage: () => {} })
    s.push(`{"mon":[{"command":"new","port":{"pci/0000:08:00.0/1":{"netdev":"r\x1b[Jx"}}}`)
    expect(values.map((v) => devlinkEvent(v as never)?.keys)).toEqual([['pci/0000:08:00.0/1']])
  })
})

describe('json-splitter bounds', () => {
  it('holds at most the limit of an endless value, then reports the overflow once and stops', () => {
    const overflows: number[] = []
    const values: unknown[] = []
    const s = createJsonSplitter(
      { onValue: (v) => values.push(v), onOverflow: (n) => overflows.push(n) },
      { maxValueChars: 1 << 20 },
    )
    s.push('{"mon":[{"command":"new","port":{"x":"')
    const chunk = 'A'.repeat(64 * 1024)
    let most = 0
    for (let i = 0; i < 64 && !s.failed; i++) {
      s.push(chunk)
      most = Math.max(most, s.held)
    }
    expect(overflows).toHaveLength(1)
    expect(overflows[0]).toBeGreaterThan(1 << 20)
    expect(most).toBeLessThanOrEqual((1 << 20) + chunk.length)
    expect(s.failed).toBe(true)
    expect(s.held).toBe(0)
    s.push('"}}]}')
    expect(values).toEqual([])
  })

  it('keeps delivering complete events after a large one under the limit', () => {
    const values: unknown[] = []
    const s = createJsonSplitter({ onValue: (v) => values.push(v) })
    const big = 'B'.repeat(MAX_VALUE_CHARS / 2)
    s.push('{"mon":[')
    for (let i = 0; i < big.length; i += 65536)
      s.push(i === 0 ? `{"command":"new","dev":{"${big.slice(0, 65536)}` : big.slice(i, i + 65536))
    s.push('":{}}},{"command":"del","dev":{"pci/x":{}}}')
    expect(values).toHaveLength(2)
    expect(s.held).toBe(0)
  })
})
