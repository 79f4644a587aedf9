import type { TerminalKind } from '../../../contract/terminals'

/**
 * The terminal dock's tabs as data (issue 18): any number of tabs over every host, each holding
 * one pane or several side by side (a split). A pane is opened on demand (its stream opens when
 * it mounts) and its stream closes when its tab or the pane itself is closed; switching hosts
 * changes only which tab is shown, so every stream keeps running. Pure: a reducer and helpers.
 */

/** What a pane shows: one of main's terminal streams, or the host's session-log browser. */
export type PaneKind = TerminalKind | 'logs'

/** Pane kinds in menu order, with the names the menus and panes use. */
export const PANE_KINDS: readonly { kind: PaneKind; label: string }[] = [
  { kind: 'shell', label: 'Shell' },
  { kind: 'trace', label: 'Firmware trace' },
  { kind: 'dmesg', label: 'dmesg' },
  { kind: 'devlink-monitor', label: 'devlink monitor' },
  { kind: 'logs', label: 'Session logs' },
]

/** One pane: `n` numbers the panes of one kind on one host that are open at once (1, 2, …). */
export interface PaneSpec {
  readonly id: string
  readonly hostId: string
  readonly kind: PaneKind
  readonly n: number
}

/** One tab: its panes in order, side by side (`row`, stacked when the dock is narrow) or stacked. */
export interface TabSpec {
  readonly id: string
  readonly panes: readonly string[]
  readonly direction: 'row' | 'column'
}

export interface WorkspaceState {
  readonly panes: Readonly<Record<string, PaneSpec>>
  readonly tabs: readonly TabSpec[]
  /** The tab on screen, or null when there is none. */
  readonly active: string | null
  /** Hosts whose firmware trace tab was opened by itself on first sight (once per page). */
  readonly greeted: readonly string[]
  /** The tab last shown per host, shown again when the host is selected. */
  readonly lastByHost: Readonly<Record<string, string>>
  readonly seq: number
}

export type WorkspaceAction =
  | { type: 'open'; hostId: string; kind: PaneKind }
  | { type: 'split'; tabId: string; hostId: string; kind: PaneKind }
  | { type: 'close-pane'; paneId: string }
  | { type: 'close-tab'; tabId: string }
  | { type: 'activate'; tabId: string }
  | { type: 'direction'; tabId: string; direction: 'row' | 'column' }
  /** The user selected a host in the sidebar; `ready` when it is connected. */
  | { type: 'host-selected'; hostId: string; ready: boolean }

export const EMPTY_WORKSPACE: WorkspaceState = {
  panes: {},
  tabs: [],
  active: null,
  greeted: [],
  lastByHost: {},
  seq: 0,
}

/** The label of a pane kind (`Firmware trace`). */
export function kindLabel(kind: PaneKind): string {
  return PANE_KINDS.find((k) => k.kind === kind)?.label ?? kind
}

/**
 * A pane's name, unique among open panes: `<host> <kind>[ <n>]` (`sim-a Shell 2`). It names
 * the pane's region, its tab, and (with a suffix) its output, status, search box and buttons.
 */
export function paneName(pane: PaneSpec, hostName: string = pane.hostId): string {
  return `${hostName} ${kindLabel(pane.kind)}${pane.n > 1 ? ` ${pane.n}` : ''}`
}

/** A tab's label: its panes' names joined by ` | `. */
export function tabLabel(
  state: WorkspaceState,
  tab: TabSpec,
  hostName: (id: string) => string = (id) => id,
): string {
  return tab.panes
    .map((id) => state.panes[id])
    .filter((p): p is PaneSpec => p !== undefined)
    .map((p) => paneName(p, hostName(p.hostId)))
    .join(' | ')
}

/** The tab holding a pane. */
export function tabOf(state: WorkspaceState, paneId: string): TabSpec | undefined {
  return state.tabs.find((t) => t.panes.includes(paneId))
}

function hostsOf(state: WorkspaceState, tab: TabSpec): string[] {
  return tab.panes.map((id) => state.panes[id]?.hostId).filter((h): h is string => !!h)
}

function newPane(state: WorkspaceState, hostId: string, kind: PaneKind): PaneSpec {
  const used = new Set(
    Object.values(state.panes)
      .filter((p) => p.hostId === hostId && p.kind === kind)
      .map((p) => p.n),
  )
  let n = 1
  while (used.has(n)) n++
  return { id: `p${state.seq + 1}`, hostId, kind, n }
}

function activate(state: WorkspaceState, tabId: string | null): WorkspaceState {
  const tab = state.tabs.find((t) => t.id === tabId)
  if (!tab) return { ...state, active: state.tabs[0]?.id ?? null }
  const lastByHost = { ...state.lastByHost }
  for (const h of hostsOf(state, tab)) lastByHost[h] = tab.id
  return { ...state, active: tab.id, lastByHost }
}

function openTab(state: WorkspaceState, hostId: string, kind: PaneKind): WorkspaceState {
  const pane = newPane(state, hostId, kind)
  const tab: TabSpec = { id: `t${state.seq + 2}`, panes: [pane.id], direction: 'row' }
  const next = {
    ...state,
    seq: state.seq + 2,
    panes: { ...state.panes, [pane.id]: pane },
    tabs: [...state.tabs, tab],
  }
  return activate(next, tab.id)
}

/** Removes tabs that lost their last pane; keeps a valid active tab (the neighbour). */
function prune(state: WorkspaceState, before: readonly TabSpec[]): WorkspaceState {
  const tabs = state.tabs.filter((t) => t.panes.length > 0)
  let active = state.active
  if (!tabs.some((t) => t.id === active)) {
    const at = before.findIndex((t) => t.id === active)
    const left = before.slice(0, Math.max(at, 0)).reverse()
    const right = before.slice(at + 1)
    active = [...left, ...right].find((t) => tabs.some((x) => x.id === t.id))?.id ?? null
  }
  const lastByHost = Object.fromEntries(
    Object.entries(state.lastByHost).filter(([, t]) => tabs.some((x) => x.id === t)),
  )
  return activate({ ...state, tabs, lastByHost }, active)
}

function hostSelected(state: WorkspaceState, hostId: string, ready: boolean): WorkspaceState {
  const has = Object.values(state.panes).some((p) => p.hostId === hostId)
  if (!has && ready && !state.greeted.includes(hostId))
    return openTab({ ...state, greeted: [...state.greeted, hostId] }, hostId, 'trace')
  const current = state.tabs.find((t) => t.id === state.active)
  if (current && hostsOf(state, current).includes(hostId)) return state
  const last = state.lastByHost[hostId]
  const target =
    state.tabs.find((t) => t.id === last) ??
    state.tabs.find((t) => hostsOf(state, t).includes(hostId))
  return target ? activate(state, target.id) : state
}

/** The workspace reducer. Unknown tab or pane ids leave the state as it is. */
export function workspaceReducer(state: WorkspaceState, action: WorkspaceAction): WorkspaceState {
  switch (action.type) {
    case 'open':
      return openTab(state, action.hostId, action.kind)
    case 'split': {
      const tab = state.tabs.find((t) => t.id === action.tabId)
      if (!tab) return openTab(state, action.hostId, action.kind)
      const pane = newPane(state, action.hostId, action.kind)
      const tabs = state.tabs.map((t) =>
        t.id === tab.id ? { ...t, panes: [...t.panes, pane.id] } : t,
      )
      const next = { ...state, seq: state.seq + 1, panes: { ...state.panes, [pane.id]: pane } }
      return activate({ ...next, tabs }, tab.id)
    }
    case 'close-pane': {
      if (!state.panes[action.paneId]) return state
      const { [action.paneId]: _gone, ...panes } = state.panes
      const tabs = state.tabs.map((t) => ({
        ...t,
        panes: t.panes.filter((p) => p !== action.paneId),
      }))
      return prune({ ...state, panes, tabs }, state.tabs)
    }
    case 'close-tab': {
      const tab = state.tabs.find((t) => t.id === action.tabId)
      if (!tab) return state
      const panes = Object.fromEntries(
        Object.entries(state.panes).filter(([id]) => !tab.panes.includes(id)),
      )
      const tabs = state.tabs.map((t) => (t.id === tab.id ? { ...t, panes: [] } : t))
      return prune({ ...state, panes, tabs }, state.tabs)
    }
    case 'activate':
      return state.tabs.some((t) => t.id === action.tabId) ? activate(state, action.tabId) : state
    case 'direction':
      return {
        ...state,
        tabs: state.tabs.map((t) =>
          t.id === action.tabId ? { ...t, direction: action.direction } : t,
        ),
      }
    case 'host-selected':
      return hostSelected(state, action.hostId, action.ready)
  }
}
