import { useEffect, useRef, useState } from 'react'

/** A column the user can show or hide. */
export interface ColumnChoice {
  id: string
  label: string
  visible: boolean
}

/**
 * "Columns" button with a menu of checkable columns (ARIA menu with menuitemcheckbox items;
 * Escape or a click outside closes it). Only the user hides columns, never the layout.
 */
export function ColumnMenu({
  columns,
  onToggle,
}: {
  columns: ColumnChoice[]
  onToggle: (id: string) => void
}) {
  const [open, setOpen] = useState(false)
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (!open) return
    const away = (e: MouseEvent) => {
      if (!box.current?.contains(e.target as Node)) setOpen(false)
    }
    const esc = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false)
    }
    document.addEventListener('mousedown', away)
    document.addEventListener('keydown', esc)
    return () => {
      document.removeEventListener('mousedown', away)
      document.removeEventListener('keydown', esc)
    }
  }, [open])
  const hidden = columns.filter((c) => !c.visible).length
  return (
    <div className="menu-anchor" ref={box}>
      <button
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        aria-label="Columns"
      >
        Columns{hidden > 0 ? ` (${hidden} hidden)` : ''}
      </button>
      {open && (
        <div role="menu" aria-label="Representor columns" className="menu">
          {columns.map((c) => (
            <button
              key={c.id}
              type="button"
              role="menuitemcheckbox"
              aria-checked={c.visible}
              className="menu-item"
              onClick={() => onToggle(c.id)}
            >
              <span aria-hidden="true">{c.visible ? '☑' : '☐'}</span> {c.label}
            </button>
          ))}
        </div>
      )}
    </div>
  )
}
