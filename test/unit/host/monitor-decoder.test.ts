import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createMonitorDecoder } from '../../../main/host/monitor-decoder'
import type { MonitorEvent } from '../../../main/host/monitor-events'
import { loadFixture } from './fixture'

/** The real captures: iproute2 6.1 on kernel 6.18 (test/fixtures/hostile/README.md). */
const HOSTILE = join(__dirname, '../../fixtures/hostile')

/** A capture's output, without its three `# ` header lines. */
async function capture(name: string): Promise<string> {
  const text = await readFile(join(HOSTILE, name), 'latin1')
  return text.split('\n').slice(3).join('\n')
}

/** Feeds `text` cut at `cuts` (offsets); answers the events and what was reported unknown. */
function decode(kind: 'devlink' | 'ip', text: string, cuts: number[] = [], max?: number) {
  const events: MonitorEvent[] = []
  const unknown: string[] = []
  const overflow: number[] = []
  const d = createMonitorDecoder(
    kind,
    {
      onEvent: (e) => events.push(e),
      onUnknown: (t) => unknown.push(t),
      onOverflow: (n) => overflow.push(n),
    },
    max,
  )
  let at = 0
  for (const c of [...cuts].sort((a, b) => a - b)) {
    d.push(text.slice(at, c))
    at = c
  }
  d.push(text.slice(at))
  d.end()
  return { events, unknown, overflow }
}

const brief = (e: MonitorEvent) => `${e.command ?? ''} ${e.keys.join(',')}`

describe('ip monitor link as iproute2 6.1 prints it (text, even with -j)', () => {
  it('decodes every link event of the real capture, whatever the chunking', async () => {
    const text = await capture('ip_j_monitor_link_events.txt')
    const want = [
      'new i0',
      'new i0',
      'new i0',
      'new i0',
      'new i1',
      'new v1@NONE',
      'new v0@v1',
      'del v0@NONE',
      'del v1@NONE',
      'del i1',
    ]
    expect(decode('ip', text).events.map(brief)).toEqual(want)
    fc.assert(
      fc.property(fc.array(fc.nat({ max: text.length }), { maxLength: 12 }), (cuts) => {
        const r = decode('ip', text, cuts)
        expect(r.events.map(brief)).toEqual(want)
        expect(r.unknown).toEqual([])
      }),
    )
    const first = decode('ip', text).events[0]
    expect(first?.parts).toContain('pci')
    expect(first?.urgent).toEqual(['ip', 'eswitch', 'pci'])
  })

  it('keeps hostile names (raw ESC, `[`, `*`) as printed and never derails on them', async () => {
    const text = await capture('ip_j_monitor_link_ctrl_names.txt')
    const r = decode('ip', text, [3, 9])
    expect(r.events.map(brief)).toEqual(['new a\x1b[2Kb', 'new w\x1b[2K*'])
    expect(r.unknown).toEqual([])
  })

  it('decodes the JSON form of newer iproute2 too', () => {
    const text =
      '{"ifindex":3,"ifname":"eth0","flags":["UP"]}\n{"deleted":true,"ifindex":3,"ifname":"eth0"}\n'
    const r = decode('ip', text, [5, 30])
    expect(r.events.map(brief)).toEqual(['new eth0', 'del eth0'])
    expect(r.events[0]?.link?.ifname).toBe('eth0')
  })

  it('reports output it cannot decode once, before any event, and events after it still count', () => {
    const r = decode('ip', 'Something new: not a link line\nmore\n')
    expect(r.events).toEqual([])
    expect(r.unknown).toEqual(['Something new: not a link line'])
    const later = decode('ip', '2: a: <UP> mtu 1500\nunexpected trailer\n')
    expect(later.events.map(brief)).toEqual(['new a'])
    expect(later.unknown).toEqual([])
  })

  it('stops at a line longer than the limit (bounded memory)', () => {
    const r = decode('ip', `2: a: <UP> mtu 1500\n${'x'.repeat(5000)}`, [], 1000)
    expect(r.events.map(brief)).toEqual(['new a'])
    expect(r.overflow).toEqual([5000])
  })
})

describe('devlink monitor: the growing JSON document and the text form', () => {
  it('the text form (fixture 74: eswitch set under `devlink monitor`) is 16 port events', async () => {
    const f = await loadFixture('74_')
    const r = decode('devlink', f.stdout, [40, 41, 300])
    expect(r.events).toHaveLength(16)
    expect(r.events[0]).toMatchObject({
      source: 'devlink',
      object: 'port',
      command: 'new',
      keys: ['netdevsim/netdevsim10/128'],
    })
    expect(r.events.filter((e) => e.command === 'del')).toHaveLength(4)
    expect(r.unknown).toEqual([])
  })

  it('`{"mon":[…` flushed per event, never closed: each element is an event when it closes', () => {
    const events: MonitorEvent[] = []
    const d = createMonitorDecoder('devlink', { onEvent: (e) => events.push(e) })
    d.push('{"mon":[')
    expect(events).toHaveLength(0)
    d.push('{"command":"new","port":{"netdevsim/netdevsim10/128":{"flavour":"pcivf"}}}')
    expect(events.map(brief)).toEqual(['new netdevsim/netdevsim10/128'])
    d.push(',{"command":"del","port":{"netdevsim/netdevsim10/128":{"flavour":"pcivf"}}}')
    expect(events.map(brief)).toEqual([
      'new netdevsim/netdevsim10/128',
      'del netdevsim/netdevsim10/128',
    ])
  })
})

describe('parts a devlink event invalidates follow the bus of its handle', () => {
  it('a netdevsim port skips the PCI walk, a PCI port the netdevsim bus; dev events keep the walk', () => {
    const { events } = decode(
      'devlink',
      '[port,new] netdevsim/netdevsim10/1: type eth netdev eth0 flavour pcivf controller 0 pfnum 0 vfnum 0\n' +
        '[port,del] pci/0000:08:00.0/65536: type eth netdev pf0hpf flavour pcipf pfnum 0\n' +
        '[dev,new] pci/0000:09:00.0\n',
    )
    expect(events.map((e) => e.keys)).toEqual([
      ['netdevsim/netdevsim10/1'],
      ['pci/0000:08:00.0/65536'],
      ['pci/0000:09:00.0'],
    ])
    const [nsim, pci, dev] = events
    expect(nsim?.parts).toEqual(expect.arrayContaining(['devlink', 'eswitch', 'nsim', 'ip']))
    expect([...(nsim?.parts ?? []), ...(nsim?.urgent ?? [])]).not.toContain('pci')
    expect(pci?.parts).toEqual(expect.arrayContaining(['devlink', 'eswitch', 'pci', 'ip']))
    expect([...(pci?.parts ?? []), ...(pci?.urgent ?? [])]).not.toContain('nsim')
    expect(dev?.walk).toBe(true)
    expect(dev?.parts).toContain('pci')
  })
})
