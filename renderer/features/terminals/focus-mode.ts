import { useSyncExternalStore } from 'react'

/**
 * "Tab moves focus" (as VS Code's terminal, Ctrl+M): a shell pane keeps Tab for the remote
 * shell (completion) until the user turns this on; then Tab and Shift+Tab move the keyboard
 * focus out of the pane like anywhere else on the page. Read-only panes (trace, dmesg, devlink
 * monitor, log viewer) take no input, so Tab always leaves them. One setting for the page.
 */
let on = false
const listeners = new Set<() => void>()

/** The key that toggles the mode inside a terminal, as shown to the user. */
export const FOCUS_TOGGLE_KEY = 'Ctrl+M'

/** Whether Tab currently moves focus out of shell panes. */
export function tabMovesFocus(): boolean {
  return on
}

/** Flips the mode and tells every subscriber. */
export function toggleTabMovesFocus(): void {
  on = !on
  for (const l of listeners) l()
}

/** The mode as React state. */
export function useTabMovesFocus(): boolean {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    () => on,
  )
}

/**
 * Decides what a terminal does with a key event (xterm's custom key handler: `false` means
 * xterm ignores the event, so the browser's default runs). Ctrl+M is the toggle (the page's
 * shortcut runs it; the terminal must not send it as a carriage return); Tab and Shift+Tab leave
 * a read-only pane always and a shell pane when the mode is on.
 */
export function focusKey(e: KeyboardEvent, readOnly: boolean): 'toggle' | 'leave' | 'terminal' {
  const plain = !e.altKey && !e.metaKey
  if (plain && e.ctrlKey && !e.shiftKey && e.key.toLowerCase() === 'm') return 'toggle'
  if (plain && !e.ctrlKey && e.key === 'Tab' && (readOnly || on)) return 'leave'
  return 'terminal'
}
