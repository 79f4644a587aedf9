import { useSyncExternalStore } from 'react'

/**
 * The console's pane layout the user chose, remembered in localStorage: whether the host list
 * is collapsed, and where the terminal dock sits. Below (the default) gives the device view the
 * full width, so the representors table shows every column at 1600 px with the dock open.
 */
export interface LayoutState {
  hostsCollapsed: boolean
  dockPosition: 'bottom' | 'right'
}

const KEY = 'replab.layout'
let state: LayoutState = load()
const listeners = new Set<() => void>()

function load(): LayoutState {
  try {
    const raw = JSON.parse(window.localStorage.getItem(KEY) ?? '{}') as Partial<LayoutState>
    return {
      hostsCollapsed: raw.hostsCollapsed === true,
      dockPosition: raw.dockPosition === 'right' ? 'right' : 'bottom',
    }
  } catch {
    return { hostsCollapsed: false, dockPosition: 'bottom' }
  }
}

/** Changes the layout and persists it. */
export function setLayout(patch: Partial<LayoutState>): void {
  state = { ...state, ...patch }
  try {
    window.localStorage.setItem(KEY, JSON.stringify(state))
  } catch {
    // storage unavailable: this page only
  }
  for (const l of [...listeners]) l()
}

/** The current layout (re-renders on change). */
export function useLayout(): LayoutState {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    () => state,
  )
}
