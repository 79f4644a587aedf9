import { useEffect, useId, useRef, type ReactNode } from 'react'

/** Props of `Modal`. `onClose` runs on Escape and on the close button. */
export interface ModalProps {
  title: string
  onClose: () => void
  children: ReactNode
  /** Footer buttons. */
  actions?: ReactNode
  tone?: 'normal' | 'danger'
  wide?: boolean
}

/**
 * A modal built on the native `<dialog>` (`showModal()`: focus trap, inert background, Escape),
 * named by its title so tests find it with `getByRole('dialog', { name })`.
 */
export function Modal({ title, onClose, children, actions, tone = 'normal', wide }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  useEffect(() => {
    const el = ref.current
    if (el && !el.open) el.showModal()
    return () => el?.close()
  }, [])
  return (
    <dialog
      ref={ref}
      className={`modal ${tone === 'danger' ? 'modal-danger' : ''} ${wide ? 'modal-wide' : ''}`}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault()
        onClose()
      }}
    >
      <header className="modal-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon-button" aria-label="Close dialog" onClick={onClose}>
          ×
        </button>
      </header>
      <div className="modal-body">{children}</div>
      {actions && <footer className="modal-actions">{actions}</footer>}
    </dialog>
  )
}
