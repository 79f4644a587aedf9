import { describe, expect, it } from 'vitest'

import {
  nextSorting,
  REP_COLUMNS,
  repModel,
  slotCount,
  slotRange,
  type RepColumn,
} from '../../../renderer/features/device/rep-model'
import type { RepRow } from '../../../renderer/features/device/rows'

function row(i: number, netdev: string, over: Partial<RepRow> = {}): RepRow {
  return {
    ...{ key: `pci/0000:08:00.0/${i}`, flavour: 'pcisf', number: `pf0sf${i}`, numberSort: i },
    ...{ index: 32768 + i, netdev, physPortName: `pf0sf${i}`, ethRep: 'loaded', ibRep: '' },
    ...{ ibMissing: false, vfBdf: '', vfDriver: '', vfNumber: null, link: 'up', mac: '' },
    ...over,
  }
}

const col = (id: string): RepColumn => REP_COLUMNS.find((c) => c.id === id)!

describe('the representors row model', () => {
  const rows = [row(10, 'eni10'), row(9, 'eni9'), row(100, 'ENI100', { link: 'down' })]

  it('answers the rows themselves when there is nothing to filter or sort', () => {
    expect(repModel(rows, '', null)).toBe(rows)
    expect(repModel(rows, '   ', null)).toBe(rows)
  })

  it('filters case-insensitively on every column with a value, never on actions', () => {
    expect(repModel(rows, 'eni1', null).map((r) => r.netdev)).toEqual(['eni10', 'ENI100'])
    expect(repModel(rows, 'DOWN', null).map((r) => r.netdev)).toEqual(['ENI100'])
    expect(repModel(rows, 'Actions', null)).toEqual([])
  })

  it('sorts naturally (eni9 < eni10 < ENI100), stably, and by the port number key', () => {
    const asc = repModel(rows, '', { id: 'netdev', desc: false }).map((r) => r.netdev)
    expect(asc).toEqual(['eni9', 'eni10', 'ENI100'])
    const desc = repModel(rows, '', { id: 'netdev', desc: true }).map((r) => r.netdev)
    expect(desc).toEqual(['ENI100', 'eni10', 'eni9'])
    const port = repModel(rows, '', { id: 'number', desc: false }).map((r) => r.numberSort)
    expect(port).toEqual([9, 10, 100])
    const same = [row(1, 'a'), row(2, 'a'), row(3, 'a')]
    expect(repModel(same, '', { id: 'netdev', desc: false }).map((r) => r.index)).toEqual(
      same.map((r) => r.index),
    )
  })

  it('a header click sorts one way, then the other, then not; numbers start descending', () => {
    const n = col('netdev')
    const a = nextSorting(null, n)
    expect(a).toEqual({ id: 'netdev', desc: false })
    const b = nextSorting(a, n)
    expect(b).toEqual({ id: 'netdev', desc: true })
    expect(nextSorting(b, n)).toBeNull()
    expect(nextSorting(b, col('index'))).toEqual({ id: 'index', desc: true })
    expect(nextSorting({ id: 'index', desc: true }, col('index'))).toEqual({
      id: 'index',
      desc: false,
    })
  })

  it('2,000 rows filter and sort without copying when not asked', () => {
    const many = Array.from({ length: 2000 }, (_, i) => row(i, `eni${i}`))
    expect(repModel(many, 'eni199', null).map((r) => r.netdev)).toEqual([
      'eni199',
      'eni1990',
      'eni1991',
      'eni1992',
      'eni1993',
      'eni1994',
      'eni1995',
      'eni1996',
      'eni1997',
      'eni1998',
      'eni1999',
    ])
    expect(repModel(many, '', { id: 'index', desc: true })[0]?.netdev).toBe('eni1999')
  })
})

describe('slotRange', () => {
  const slots = slotCount(420, 26, 4) // 17 rows cut by the viewport + 1, 4 overscan each side

  it('covers the visible rows and both overscans with a block of constant length', () => {
    expect(slots).toBe(26)
    for (const startIndex of [5, 6, 100, 1000, 1980]) {
      const endIndex = Math.min(startIndex + 17, 1999)
      const r = slotRange({ startIndex, endIndex, overscan: 4, count: 2000 }, slots)
      expect(r).toHaveLength(slots)
      expect(r[0]).toBeLessThanOrEqual(Math.max(0, startIndex - 4))
      expect(r[r.length - 1]).toBeGreaterThanOrEqual(Math.min(endIndex + 4, 1999))
      expect(r.every((v, i) => i === 0 || v === r[i - 1]! + 1)).toBe(true)
      expect(r[r.length - 1]).toBeLessThan(2000)
    }
  })

  it('a scroll by d rows frees exactly the keys (index % slots) the new rows take', () => {
    const keys = (start: number) =>
      slotRange({ startIndex: start, endIndex: start + 16, overscan: 4, count: 2000 }, slots).map(
        (i) => i % slots,
      )
    const before = new Set(keys(100))
    const after = keys(109)
    expect(new Set(after).size).toBe(slots)
    expect(after.filter((k) => before.has(k))).toHaveLength(slots)
  })

  it('at the top, only the visible rows and the overscan below (the first render)', () => {
    const r = slotRange({ startIndex: 0, endIndex: 16, overscan: 4, count: 2000 }, slots)
    expect(r).toEqual(Array.from({ length: 21 }, (_, i) => i))
    const keys = new Set(r.map((i) => i % slots))
    const next = slotRange({ startIndex: 9, endIndex: 25, overscan: 4, count: 2000 }, slots)
    expect(next).toHaveLength(slots)
    expect(new Set(next.map((i) => i % slots)).size).toBe(slots)
    expect(next.filter((i) => keys.has(i % slots))).toHaveLength(21)
  })

  it('fewer rows than slots: all of them', () => {
    expect(slotRange({ startIndex: 0, endIndex: 4, overscan: 4, count: 5 }, slots)).toEqual([
      0, 1, 2, 3, 4,
    ])
  })
})
