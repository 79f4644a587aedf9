import {
  useVirtualizer,
  type Range,
  type VirtualItem,
  type Virtualizer,
} from '@tanstack/react-virtual'
import {
  memo,
  useCallback,
  type CSSProperties,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type RefObject,
} from 'react'

import { ColumnMenu } from './column-menu'
import {
  nextSorting,
  REP_COLUMNS,
  repModel,
  slotCount,
  slotRange,
  type RepColumn,
  type RepSorting,
} from './rep-model'
import type { RepRow } from './rows'
import { VfActions } from './vf-actions'

const ROW_HEIGHT = 26
const OVERSCAN = 4
/** `.reps-scroll` height in renderer/ui/styles.css, px. */
const SCROLL_HEIGHT = 420
const HIDDEN_KEY = 'replab.repColumns.hidden'

/** Ids of the columns the user hid, remembered across sessions (localStorage). */
function useHiddenColumns(): [ReadonlySet<string>, (id: string) => void] {
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => {
    try {
      return new Set(JSON.parse(window.localStorage.getItem(HIDDEN_KEY) ?? '[]') as string[])
    } catch {
      return new Set()
    }
  })
  const toggle = useCallback(
    (id: string) =>
      setHidden((h) => {
        const next = new Set(h)
        if (next.has(id)) next.delete(id)
        else next.add(id)
        try {
          window.localStorage.setItem(HIDDEN_KEY, JSON.stringify([...next]))
        } catch {
          // storage unavailable: this session only
        }
        return next
      }),
    [],
  )
  return [hidden, toggle]
}

/** Props of `RepresentorsTable`. `changed` holds row keys to highlight briefly. */
export interface RepresentorsTableProps {
  rows: RepRow[]
  changed: Set<string>
}

function cellClass(row: RepRow, id: string): string {
  if (id === 'ethRep' && row.ethRep === 'missing') return 'cell-bad'
  if (id === 'ibRep' && row.ibMissing) return 'cell-bad'
  const link = row.link.toLowerCase()
  if (id === 'link') return link === 'up' ? 'cell-ok' : link === 'down' ? 'cell-warn' : ''
  return ''
}

/**
 * The representors table: filter and sort (rep-model.ts) over a @tanstack/react-virtual window,
 * so 2,000 rows render only what is visible. Each row is a memoized component placed at its own
 * offset. The rendered rows are a block of constant length keyed by index modulo that length
 * (`slotRange`), so a scroll frame patches the `<tr>`s of rows that left with the rows that came
 * into view, in place, and leaves the others untouched. Native table elements laid out as a
 * grid with fixed column widths; `aria-rowcount`/`aria-rowindex` tell assistive tech the full
 * size.
 */
export function RepresentorsTable({ rows, changed }: RepresentorsTableProps) {
  const [sorting, setSorting] = useState<RepSorting>(null)
  const [filter, setFilter] = useState('')
  const [hidden, toggleColumn] = useHiddenColumns()
  const model = useMemo(() => repModel(rows, filter, sorting), [rows, filter, sorting])
  const columns = useMemo(() => REP_COLUMNS.filter((c) => !hidden.has(c.id)), [hidden])
  const choices = useMemo(
    () => REP_COLUMNS.map((c) => ({ id: c.id, label: c.header, visible: !hidden.has(c.id) })),
    [hidden],
  )
  const scrollRef = useRef<HTMLDivElement>(null)
  const { virtual, items, slots } = useRowWindow(model.length, scrollRef)
  const flash = useFlash(changed)
  const width = columns.reduce((n, c) => n + c.width, 0)
  return (
    <section className="reps" aria-label="Representors section">
      <div className="reps-head">
        <h3>Representors</h3>
        <input
          type="search"
          aria-label="Filter representors"
          placeholder="Filter (netdev, BDF, driver…)"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
        <span className="muted small" aria-live="polite">
          {model.length} of {rows.length} ports
        </span>
        <span className="spacer-flex" />
        <RepsColumnMenu columns={choices} onToggle={toggleColumn} />
      </div>
      <div
        className="reps-scroll"
        ref={scrollRef}
        tabIndex={0}
        aria-label="Representors scroll area"
      >
        <table
          className="grid vgrid"
          aria-label="Representors"
          aria-rowcount={model.length + 1}
          style={{ width }}
        >
          <RepsHead columns={columns} sorting={sorting} onSort={setSorting} width={width} />
          <tbody className="vgrid-body" style={{ height: virtual.getTotalSize() }}>
            {items.map((vi) => {
              const row = model[vi.index]
              if (!row) return null
              return (
                <RepRowView
                  key={vi.index % slots}
                  row={row}
                  index={vi.index}
                  top={vi.start}
                  changed={flash.has(row.key)}
                  columns={columns}
                  width={width}
                />
              )
            })}
          </tbody>
        </table>
      </div>
    </section>
  )
}

/**
 * The virtualizer over `count` rows of the scroll box, its items (a block of a constant number of
 * rows, `slotRange`, sized from the box's height, which the virtualizer tracks: the box is
 * resizable) and `slots`, the block length the items were computed with: rows are keyed by
 * `index % slots`. The virtualizer recomputes its items only when the visible range changes, so
 * `slots` comes from that computation, not from the current height: keys stay distinct.
 */
function useRowWindow(
  count: number,
  scrollRef: RefObject<HTMLDivElement | null>,
): { virtual: Virtualizer<HTMLDivElement, Element>; items: VirtualItem[]; slots: number } {
  const virtualRef = useRef<Virtualizer<HTMLDivElement, Element>>(null)
  const slotsRef = useRef(rowSlots(null))
  const rangeExtractor = useCallback((range: Range) => {
    slotsRef.current = rowSlots(virtualRef.current)
    return slotRange(range, slotsRef.current)
  }, [])
  const virtual = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
    rangeExtractor,
    // The scroll box's CSS height (.reps-scroll): the first render already has its rows, instead
    // of rendering none, measuring (a forced layout) and rendering again.
    initialRect: { width: 0, height: SCROLL_HEIGHT },
  })
  virtualRef.current = virtual
  const items = virtual.getVirtualItems()
  return { virtual, items, slots: slotsRef.current }
}

/** How many `<tr>`s the table keeps (`slotCount`) for the scroll box's current height. */
function rowSlots(virtual: Virtualizer<HTMLDivElement, Element> | null): number {
  return slotCount(virtual?.scrollRect?.height ?? SCROLL_HEIGHT, ROW_HEIGHT, OVERSCAN)
}

/** The column menu and the header row change only with columns or sorting, not on scroll. */
const RepsColumnMenu = memo(ColumnMenu)

const RepsHead = memo(function RepsHead({
  columns,
  sorting,
  onSort,
  width,
}: {
  columns: readonly RepColumn[]
  sorting: RepSorting
  onSort: (s: RepSorting) => void
  width: number
}) {
  return (
    <thead className="vgrid-head">
      <tr aria-rowindex={1} className="vgrid-row" style={{ width }}>
        {columns.map((c) => {
          const dir = sorting?.id === c.id ? (sorting.desc ? 'desc' : 'asc') : false
          return (
            <th
              key={c.id}
              scope="col"
              style={{ width: c.width }}
              aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}
            >
              {c.value ? (
                <button
                  type="button"
                  className="th-sort"
                  onClick={() => onSort(nextSorting(sorting, c))}
                  aria-label={`Sort by ${c.header}`}
                >
                  {c.header}
                  <span aria-hidden="true">
                    {dir === 'asc' ? ' ▲' : dir === 'desc' ? ' ▼' : ''}
                  </span>
                </button>
              ) : (
                c.header
              )}
            </th>
          )
        })}
      </tr>
    </thead>
  )
})

/**
 * One row, absolutely positioned at its own offset in a tbody as tall as all rows (the TanStack
 * Virtual table pattern). Memoized: while it stays in view a scroll frame does not touch it.
 */
const RepRowView = memo(function RepRowView({
  row,
  index,
  top,
  changed,
  columns,
  width,
}: {
  row: RepRow
  index: number
  top: number
  changed: boolean
  columns: readonly RepColumn[]
  width: number
}) {
  const focus = useFocusLeavesRecycledRow(row.key)
  return (
    <tr
      ref={focus.ref}
      onFocus={focus.onFocus}
      onBlur={focus.onBlur}
      aria-rowindex={index + 2}
      className={changed ? 'vgrid-row row-changed' : 'vgrid-row'}
      style={rowStyle(width, top)}
      data-key={row.key}
    >
      {columns.map((c) => (
        <td key={c.id} className={cellClass(row, c.id)} style={{ width: c.width }}>
          {c.value ? String(c.value(row)) : <VfActions row={row} />}
        </td>
      ))}
    </tr>
  )
})

/**
 * A `<tr>` is reused for another row when its row scrolls out (or the sort or filter changes),
 * so a focused VF action button in it would now act on a different VF, or, where the new row has
 * no VF, be removed and drop focus to the page. When the row a `<tr>` shows changes while focus
 * was inside it, focus moves to the scroll box: keyboard users stay in the table, on nothing
 * that acts. Focus is tracked with focus/blur on the `<tr>` because a removed button sends no
 * blur.
 */
function useFocusLeavesRecycledRow(key: string): {
  ref: RefObject<HTMLTableRowElement | null>
  onFocus: () => void
  onBlur: () => void
} {
  const ref = useRef<HTMLTableRowElement>(null)
  const focused = useRef(false)
  const shown = useRef(key)
  useLayoutEffect(() => {
    if (shown.current === key) return
    shown.current = key
    if (!focused.current) return
    focused.current = false
    ref.current?.closest<HTMLElement>('.reps-scroll')?.focus({ preventScroll: true })
  }, [key])
  const onFocus = useCallback(() => {
    focused.current = true
  }, [])
  const onBlur = useCallback(() => {
    focused.current = false
  }, [])
  return { ref, onFocus, onBlur }
}

/**
 * A row's inline style: its width, and its offset as the custom property `--row-y`, which
 * styles.css turns into `transform: translateY(var(--row-y))`. Not an inline `transform` or
 * `top`: in the console's page, Chromium's style recalc of rows whose inline length changes grew
 * with the number of distinct values set since the last garbage collection (measured on 9 rows
 * a frame: ~3 ms after 20 frames, ~25 ms after 300; `translate`, `top`, `translate3d` and a
 * registered `@property` alike), while an unregistered custom property costs the same each frame.
 */
function rowStyle(width: number, top: number): CSSProperties {
  return { width, '--row-y': `${top}px` } as CSSProperties
}

/** Keeps `changed` keys for 2 s so the highlight outlives the render that brought them. */
function useFlash(changed: Set<string>): Set<string> {
  const [flash, setFlash] = useState<Set<string>>(new Set())
  useEffect(() => {
    if (changed.size === 0) return
    setFlash(changed)
    const t = setTimeout(() => setFlash(new Set()), 2_000)
    return () => clearTimeout(t)
  }, [changed])
  return flash
}
