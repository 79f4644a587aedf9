import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createJsonSplitter } from '../../../main/host/json-splitter'
import { damagedDevlinkEvent, devlinkEvent, ipEvents } from '../../../main/host/monitor-events'
import type { Json } from '../../../main/host/parse-result'
import { KERNELS, loadFixture } from './fixture'

function split(chunks: readonly string[]): { values: Json[]; garbage: string[] } {
  const values: Json[] = []
  const garbage: string[] = []
  const s = createJsonSplitter({
    onValue: (v) => values.push(v),
    onGarbage: (g) => garbage.push(g),
  })
  for (const c of chunks) s.push(c)
  s.end()
  return { values, garbage }
}

function chunked(text: string, sizes: readonly number[]): string[] {
  const out: string[] = []
  let i = 0
  for (let k = 0; i < text.length; k++) {
    const n = Math.max(1, sizes[k % Math.max(1, sizes.length)] ?? 7)
    out.push(text.slice(i, i + n))
    i += n
  }
  return out
}

describe.each(KERNELS)('devlink -j monitor stream of iproute2 (%s)', (kernel) => {
  it('delivers every event of the never-closed {"mon":[…] document, whatever the chunking', async () => {
    const f = await loadFixture('70_', kernel)
    const expected = f.stdout.split('{"command":').length - 1
    expect(expected).toBeGreaterThan(20)
    for (const sizes of [[f.stdout.length], [1], [3, 17, 64], [4096]]) {
      const { values, garbage } = split(chunked(f.stdout, sizes))
      // iproute2 prints health and trap-policer events as broken JSON: they arrive as garbage
      // elements that are still recognised; the trailing assertion message is the last garbage.
      const damaged = garbage.map(damagedDevlinkEvent)
      expect(values.length + damaged.filter((e) => e !== null).length).toBe(expected)
      expect(damaged.filter((e) => e?.object === 'health').length).toBeGreaterThan(0)
      expect(damaged.find((e) => e?.object === 'health')?.parts).toEqual(['health'])
      const events = values.map(devlinkEvent)
      expect(events.every((e) => e !== null)).toBe(true)
      expect(events.filter((e) => e?.object === 'port').length).toBeGreaterThan(20)
      expect(events[0]).toMatchObject({
        command: 'new',
        keys: ['netdevsim/netdevsim10/128'],
        parts: expect.arrayContaining(['devlink', 'eswitch', 'nsim']) as unknown,
      })
      // A netdevsim port changes nothing under /sys/bus/pci: that walk is not read for it.
      expect(events[0]?.parts).not.toContain('pci')
      expect(events.some((e) => e?.command === 'del')).toBe(true)
    }
  })
})

describe('other stream shapes', () => {
  it('one object per line, back-to-back objects, top-level arrays, garbage lines', () => {
    const text =
      '{"ifindex":3,"ifname":"eth0","deleted":true}\n{"a":1}{"b":[1,{"c":"]"}]}\nWarning: junk here\n[{"x":1},{"y":"\\"}"}]\n'
    const { values, garbage } = split(chunked(text, [2, 5]))
    expect(values).toEqual([
      { ifindex: 3, ifname: 'eth0', deleted: true },
      { a: 1 },
      { b: [1, { c: ']' }] },
      { x: 1 },
      { y: '"}' },
    ])
    expect(garbage).toEqual(['Warning: junk here'])
    expect(ipEvents(values[0] ?? null)).toEqual([
      {
        source: 'ip',
        object: 'link',
        command: 'del',
        keys: ['eth0'],
        parts: ['ip', 'rdma', 'devlink', 'eswitch', 'pci', 'health'],
        urgent: ['ip', 'eswitch', 'pci'],
        walk: true,
        link: { ifindex: 3, ifname: 'eth0', vfs: [], altnames: [] },
      },
    ])
    expect(devlinkEvent({ command: 'new' })).toBeNull()
    expect(devlinkEvent({ health: { 'pci/0000:08:00.0': {} } })?.parts).toEqual(['health'])
    // A port event changes a known device: no sysfs walk, no health or info re-read.
    const port = devlinkEvent({ command: 'new', port: { 'pci/0000:08:00.0/2': {} } })
    expect(port?.walk).toBe(false)
    expect(port?.parts).not.toContain('health')
    expect(devlinkEvent({ command: 'new', dev: { 'pci/0000:08:00.0': {} } })?.walk).toBe(true)
  })

  it('never throws on hostile input and emits only parsed JSON', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { maxLength: 8 }), (chunks) => {
        const { values } = split(chunks)
        for (const v of values) expect(v).not.toBeUndefined()
      }),
      { numRuns: 300 },
    )
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { maxLength: 5 }),
        fc.array(fc.nat(9)),
        (vals, sizes) => {
          const objects = vals.map((v) => ({ v }))
          const text = objects.map((o) => JSON.stringify(o)).join('\n')
          const { values } = split(chunked(text, sizes))
          expect(values).toEqual(JSON.parse(JSON.stringify(objects)))
        },
      ),
      { numRuns: 200 },
    )
  })
})
