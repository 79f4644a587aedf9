import { describe, expect, it } from 'vitest'

import {
  nextSorting,
  REP_COLUMNS,
  repModel,
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
