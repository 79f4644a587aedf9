import type { RepRow } from './rows'

/**
 * The representors table's columns and its row model: filter and sort over `RepRow`s, pure and
 * cheap enough to run on every snapshot of a 2,000-port device (one pass to filter, one sort,
 * no per-row objects). The table (representors-table.tsx) virtualizes what it renders.
 */

/** One column: header, fixed width (px), the value it shows, filters and sorts by. */
export interface RepColumn {
  readonly id: string
  readonly header: string
  readonly width: number
  /** The cell's text; absent for the actions column (not filtered, not sortable). */
  readonly value?: (row: RepRow) => string | number
  /** Sort order (default: natural order of `value`, numbers in strings compared as numbers). */
  readonly compare?: (a: RepRow, b: RepRow) => number
  /** The first click sorts descending (numeric columns, as spreadsheets and TanStack Table do). */
  readonly descFirst?: boolean
}

// Widths (px) sum to ~1,110: every column fits at 1600 px with the terminal dock open.
export const REP_COLUMNS: readonly RepColumn[] = [
  { id: 'flavour', header: 'Flavour', width: 70, value: (r) => r.flavour },
  {
    id: 'number',
    header: 'Port',
    width: 88,
    value: (r) => r.number,
    compare: (a, b) => a.numberSort - b.numberSort,
  },
  { id: 'index', header: 'Index', width: 64, value: (r) => r.index, descFirst: true },
  { id: 'netdev', header: 'Netdev', width: 140, value: (r) => r.netdev },
  { id: 'physPortName', header: 'phys_port_name', width: 108, value: (r) => r.physPortName },
  { id: 'ethRep', header: 'ETH rep', width: 68, value: (r) => r.ethRep },
  { id: 'ibRep', header: 'IB rep', width: 88, value: (r) => r.ibRep },
  { id: 'vfBdf', header: 'VF BDF', width: 104, value: (r) => r.vfBdf },
  { id: 'vfDriver', header: 'VF driver', width: 84, value: (r) => r.vfDriver },
  { id: 'link', header: 'Link', width: 58, value: (r) => r.link },
  { id: 'mac', header: 'MAC', width: 128, value: (r) => r.mac },
  { id: 'actions', header: 'Actions', width: 112 },
]

/** The sort in effect: a column and its direction, or none. */
export type RepSorting = { readonly id: string; readonly desc: boolean } | null

const natural = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' })

function comparator(col: RepColumn): (a: RepRow, b: RepRow) => number {
  if (col.compare) return col.compare
  const value = col.value ?? (() => '')
  return (a, b) => {
    const x = value(a)
    const y = value(b)
    if (typeof x === 'number' && typeof y === 'number') return x - y
    return natural.compare(String(x), String(y))
  }
}

/**
 * The rows shown: those with a cell containing `filter` (case-insensitive, every column with a
 * value), sorted stably by `sorting`. Answers `rows` itself when there is nothing to do.
 */
export function repModel(
  rows: readonly RepRow[],
  filter: string,
  sorting: RepSorting,
  columns: readonly RepColumn[] = REP_COLUMNS,
): readonly RepRow[] {
  const needle = filter.trim().toLowerCase()
  const valued = columns.filter((c) => c.value !== undefined)
  let out: readonly RepRow[] = rows
  if (needle !== '') {
    out = rows.filter((r) =>
      valued.some((c) =>
        String(c.value?.(r) ?? '')
          .toLowerCase()
          .includes(needle),
      ),
    )
  }
  const col = sorting ? columns.find((c) => c.id === sorting.id && c.value) : undefined
  if (!col || !sorting) return out
  const cmp = comparator(col)
  const sign = sorting.desc ? -1 : 1
  return [...out].sort((a, b) => sign * cmp(a, b))
}

/** The sort after a click on `col`'s header: first direction, the other one, then none. */
export function nextSorting(current: RepSorting, col: RepColumn): RepSorting {
  const first = col.descFirst === true
  if (current?.id !== col.id) return { id: col.id, desc: first }
  if (current.desc === first) return { id: col.id, desc: !first }
  return null
}

/**
 * The rows the table renders, as a contiguous block of exactly `slots` indices that covers the
 * virtualizer's visible range plus `overscan` on each side (shifted back at the end of the
 * model). The table keys each row by `index % slots`: with a block of constant length, the rows
 * that scroll out free exactly the keys the rows scrolling in take, so React patches those
 * `<tr>`s in place instead of removing them and creating new ones. At the top (no rows above to
 * overscan) the block is only the visible rows plus the overscan below, as the virtualizer's
 * default, so the first render creates no more rows than before. `slots` must cover the visible
 * rows plus both overscans (`slotCount`).
 */
export function slotRange(
  range: { startIndex: number; endIndex: number; overscan: number; count: number },
  slots: number,
): number[] {
  const { startIndex, endIndex, overscan, count } = range
  const len =
    startIndex - overscan <= 0
      ? Math.min(endIndex + overscan + 1, slots, count)
      : Math.min(slots, count)
  const start = Math.max(0, Math.min(startIndex - overscan, count - len))
  return Array.from({ length: len }, (_, i) => start + i)
}

/**
 * Block length for `slotRange`: the most rows of `rowHeight` a viewport of `height` px can cut
 * (one partly hidden at each edge), plus `overscan` on each side.
 */
export function slotCount(height: number, rowHeight: number, overscan: number): number {
  return Math.ceil(height / rowHeight) + 1 + 2 * overscan
}
