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
} from '@tanstack/react-table'
import { useVirtualizer, type Virtualizer } from '@tanstack/react-virtual'
import { useEffect, useRef, useState } from 'react'

import type { RepRow } from './rows'
import { VfActions } from './vf-actions'

const col = createColumnHelper<RepRow>()
const columns = [
  col.accessor('flavour', { header: 'Flavour', size: 76 }),
  col.accessor('number', {
    header: 'pf/vf/sf',
    size: 80,
    sortingFn: (a, b) => a.original.numberSort - b.original.numberSort,
  }),
  col.accessor('index', { header: 'Port index', size: 82 }),
  col.accessor('netdev', { header: 'Netdev', size: 150 }),
  col.accessor('physPortName', { header: 'phys_port_name', size: 112 }),
  col.accessor('ethRep', { header: 'ETH rep', size: 72 }),
  col.accessor('ibRep', { header: 'IB rep', size: 96 }),
  col.accessor('vfBdf', { header: 'VF BDF', size: 108 }),
  col.accessor('vfDriver', { header: 'VF driver', size: 86 }),
  col.accessor('link', { header: 'Link', size: 60 }),
  col.accessor('mac', { header: 'MAC', size: 132 }),
  col.display({ id: 'actions', header: 'Actions', size: 124 }),
]
const TABLE_WIDTH = columns.reduce((n, c) => n + (c.size ?? 100), 0)
const ROW_HEIGHT = 26

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
  const table = useReactTable({
    data: rows,
    columns,
    state: { sorting, globalFilter: filter },
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
          style={{ width: TABLE_WIDTH }}
        >
          <RepsHead table={table} />
          <RepsBody model={model} virtual={virtual} flash={flash} />
        </table>
      </div>
    </section>
  )
}

function RepsHead({ table }: { table: Table<RepRow> }) {
  return (
    <thead className="vgrid-head">
      {table.getHeaderGroups().map((hg) => (
        <tr key={hg.id} aria-rowindex={1} className="vgrid-row" style={{ width: TABLE_WIDTH }}>
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
}: {
  model: Row<RepRow>[]
  virtual: Virtualizer<HTMLDivElement, Element>
  flash: Set<string>
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
            style={{ width: TABLE_WIDTH, transform: `translateY(${vi.start}px)` }}
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
