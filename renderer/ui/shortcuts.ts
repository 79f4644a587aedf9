import { useEffect, useRef } from 'react'

/** A key binding: `key` as `KeyboardEvent.key`, with modifiers. */
export interface Shortcut {
  key: string
  alt?: boolean
  shift?: boolean
  ctrl?: boolean
  description: string
  run: () => void
}

/** Keys shown in the help dialog, e.g. `Alt+1`. */
export function shortcutLabel(s: Shortcut): string {
  return [s.ctrl && 'Ctrl', s.alt && 'Alt', s.shift && 'Shift', s.key].filter(Boolean).join('+')
}

function typingInField(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null
  if (!el) return false
  return (
    el.isContentEditable ||
    ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) ||
    el.closest('.xterm') !== null
  )
}

/**
 * Global keyboard shortcuts. Plain keys are ignored while typing in a field or a terminal;
 * Alt/Ctrl combinations work everywhere.
 */
export function useShortcuts(shortcuts: Shortcut[]): void {
  const ref = useRef(shortcuts)
  useEffect(() => {
    ref.current = shortcuts
  })
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      const plain = !e.altKey && !e.ctrlKey && !e.metaKey
      if (plain && typingInField(e.target)) return
      const hit = ref.current.find(
        (s) =>
          s.key.toLowerCase() === e.key.toLowerCase() &&
          !!s.alt === e.altKey &&
          !!s.ctrl === e.ctrlKey &&
          (s.shift === undefined || s.shift === e.shiftKey),
      )
      if (!hit) return
      e.preventDefault()
      hit.run()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
}
