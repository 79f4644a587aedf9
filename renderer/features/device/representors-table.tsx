import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  getFilteredRowModel,
  getSortedRowModel,
  useReactTable,
  type Row,
  type SortingState,
  type Table,
  type VisibilityState,
} from '@tanstack/react-table'
import { useVirtualizer, type Virtualizer } from '@tanstack/react-virtual'
import { useEffect, useRef, useState } from 'react'

import { ColumnMenu } from './column-menu'
import type { RepRow } from './rows'
import { VfActions } from './vf-actions'

const col = createColumnHelper<RepRow>()
// Widths (px) sum to ~1,110: every column fits at 1600 px with the terminal dock open.
const columns = [
  col.accessor('flavour', { header: 'Flavour', size: 70 }),
  col.accessor('number', {
    header: 'Port',
    size: 88,
    sortingFn: (a, b) => a.original.numberSort - b.original.numberSort,
  }),
  col.accessor('index', { header: 'Index', size: 64 }),
  col.accessor('netdev', { header: 'Netdev', size: 140 }),
  col.accessor('physPortName', { header: 'phys_port_name', size: 108 }),
  col.accessor('ethRep', { header: 'ETH rep', size: 68 }),
  col.accessor('ibRep', { header: 'IB rep', size: 88 }),
  col.accessor('vfBdf', { header: 'VF BDF', size: 104 }),
  col.accessor('vfDriver', { header: 'VF driver', size: 84 }),
  col.accessor('link', { header: 'Link', size: 58 }),
  col.accessor('mac', { header: 'MAC', size: 128 }),
  col.display({ id: 'actions', header: 'Actions', size: 112 }),
]
const ROW_HEIGHT = 26
const HIDDEN_KEY = 'replab.repColumns.hidden'

/** Columns the user hid, remembered across sessions (localStorage). */
function useColumnVisibility(): [VisibilityState, (id: string) => void] {
  const [visibility, setVisibility] = useState<VisibilityState>(() => {
    try {
      const ids = JSON.parse(window.localStorage.getItem(HIDDEN_KEY) ?? '[]') as string[]
      return Object.fromEntries(ids.map((id) => [id, false]))
    } catch {
      return {}
    }
  })
  const toggle = (id: string) =>
    setVisibility((v) => {
      const next = { ...v, [id]: v[id] === false }
      const hidden = Object.keys(next).filter((k) => next[k] === false)
      try {
        window.localStorage.setItem(HIDDEN_KEY, JSON.stringify(hidden))
      } catch {
        // storage unavailable: this session only
      }
      return next
    })
  return [visibility, toggle]
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
 * The representors table: TanStack Table (filter, sort) over a @tanstack/react-virtual window,
 * so 2,000 rows render only what is visible. Native table elements laid out as a grid with
 * fixed column widths; `aria-rowcount`/`aria-rowindex` tell assistive tech the full size.
 */
export function RepresentorsTable({ rows, changed }: RepresentorsTableProps) {
  const [sorting, setSorting] = useState<SortingState>([])
  const [filter, setFilter] = useState('')
  const [visibility, toggleColumn] = useColumnVisibility()
  const table = useReactTable({
    data: rows,
    columns,
    state: { sorting, globalFilter: filter, columnVisibility: visibility },
    onSortingChange: setSorting,
    onGlobalFilterChange: setFilter,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
    getRowId: (r) => r.key,
    globalFilterFn: 'includesString',
  })
  const model = table.getRowModel().rows
  const scrollRef = useRef<HTMLDivElement>(null)
  const virtual = useVirtualizer({
    count: model.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 6,
  })
  const flash = useFlash(changed)
  const width = table.getVisibleLeafColumns().reduce((n, c) => n + c.getSize(), 0)
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
        <ColumnMenu
          columns={table.getAllLeafColumns().map((c) => ({
            id: c.id,
            label: String(c.columnDef.header),
            visible: c.getIsVisible(),
          }))}
          onToggle={toggleColumn}
        />
      </div>
      <div
        className="reps-scroll"
        ref={scrollRef}
        tabIndex={0}
        aria-label="Representors scroll area"
      >
        <table
          className="grid"
          aria-label="Representors"
          aria-rowcount={model.length + 1}
          style={{ width }}
        >
          <RepsHead table={table} width={width} />
          <RepsBody model={model} virtual={virtual} flash={flash} width={width} />
        </table>
      </div>
    </section>
  )
}

function RepsHead({ table, width }: { table: Table<RepRow>; width: number }) {
  return (
    <thead className="vgrid-head">
      {table.getHeaderGroups().map((hg) => (
        <tr key={hg.id} aria-rowindex={1} className="vgrid-row" style={{ width }}>
          {hg.headers.map((h) => {
            const dir = h.column.getIsSorted()
            const label = flexRender(h.column.columnDef.header, h.getContext())
            return (
              <th
                key={h.id}
                scope="col"
                style={{ width: h.column.getSize() }}
                aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}
              >
                {h.column.getCanSort() ? (
                  <button
                    type="button"
                    className="th-sort"
                    onClick={h.column.getToggleSortingHandler()}
                    aria-label={`Sort by ${String(h.column.columnDef.header)}`}
                  >
                    {label}
                    <span aria-hidden="true">
                      {dir === 'asc' ? ' ▲' : dir === 'desc' ? ' ▼' : ''}
                    </span>
                  </button>
                ) : (
                  label
                )}
              </th>
            )
          })}
        </tr>
      ))}
    </thead>
  )
}

/**
 * Rows are absolutely positioned in a tbody as tall as all rows (the TanStack Virtual table
 * pattern): scrolling moves `transform`s and patches cell text, so layout stays per-row instead
 * of re-running table layout for the whole window each frame.
 */
function RepsBody({
  model,
  virtual,
  flash,
  width,
}: {
  model: Row<RepRow>[]
  virtual: Virtualizer<HTMLDivElement, Element>
  flash: Set<string>
  width: number
}) {
  return (
    <tbody className="vgrid-body" style={{ height: virtual.getTotalSize() }}>
      {virtual.getVirtualItems().map((vi, slot) => {
        const row = model[vi.index]
        if (!row) return null
        const r = row.original
        return (
          <tr
            // Keyed by window slot, not row id: while scrolling React patches the same
            // <tr>s in place instead of removing and creating rows every frame.
            key={slot}
            aria-rowindex={vi.index + 2}
            className={flash.has(r.key) ? 'vgrid-row row-changed' : 'vgrid-row'}
            style={{ width, transform: `translateY(${vi.start}px)` }}
            data-key={r.key}
          >
            {row.getVisibleCells().map((cell) => (
              <td
                key={cell.column.id}
                className={cellClass(r, cell.column.id)}
                style={{ width: cell.column.getSize() }}
              >
                {cell.column.id === 'actions' ? (
                  <VfActions row={r} />
                ) : (
                  String(cell.getValue() ?? '')
                )}
              </td>
            ))}
          </tr>
        )
      })}
    </tbody>
  )
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
