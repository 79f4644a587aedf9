import { useQuery } from '@tanstack/react-query'
import { useEffect, useReducer, useState, type Dispatch } from 'react'

import type { HostView } from '../../../contract/hosts'
import { hostsOptions } from '../../api/keys'
import type { Theme } from '../../ui/theme'

import './terminals.css'
import type { DrillLink } from './drill-link'
import { FOCUS_TOGGLE_KEY, toggleTabMovesFocus, useTabMovesFocus } from './focus-mode'
import { PaneMenu } from './pane-menu'
import { TabPanel } from './tab-panel'
import {
  EMPTY_WORKSPACE,
  kindLabel,
  tabLabel,
  workspaceReducer,
  type PaneSpec,
  type TabSpec,
  type WorkspaceAction,
  type WorkspaceState,
} from './workspace-model'

/** The dock's tabs and how to change them (workspace-model.ts). */
export interface Workspace {
  readonly state: WorkspaceState
  readonly dispatch: Dispatch<WorkspaceAction>
}

/**
 * The terminal tabs of the page. Lives as long as the page: selecting a host only shows that
 * host's last tab (and opens its firmware trace the first time it is seen connected).
 */
export function useTerminalWorkspace(selected: HostView | undefined): Workspace {
  const [state, dispatch] = useReducer(workspaceReducer, EMPTY_WORKSPACE)
  const hostId = selected?.config.id
  const ready = selected?.connection.state === 'ready'
  useEffect(() => {
    if (hostId) dispatch({ type: 'host-selected', hostId, ready })
  }, [hostId, ready])
  return { state, dispatch }
}

/** Props of `TerminalWorkspace`. */
export interface TerminalWorkspaceProps {
  ws: Workspace
  /** The host selected in the sidebar: the menus' default host. */
  selectedHostId: string | null
  theme: Theme
  hidden: boolean
  /** A highlighted line of a pane on `hostId` was clicked: show that drill step. */
  onDrillLink?: (link: DrillLink, hostId: string) => void
}

/**
 * The terminal dock: a tab strip over every host's panes (New tab, Split, Maximize), the tab
 * panels (all mounted, one shown, so every stream keeps running), and the keyboard-focus hint.
 */
export function TerminalWorkspace(props: TerminalWorkspaceProps) {
  const { ws, theme } = props
  const { state, dispatch } = ws
  const hosts = useQuery(hostsOptions()).data ?? []
  const byId = new Map(hosts.map((h) => [h.config.id, h]))
  const name = (id: string) => byId.get(id)?.config.name ?? id
  const [maximized, setMaximized] = useState(false)
  return (
    <aside
      className={`dock ws ${maximized ? 'ws-max' : ''}`}
      aria-label="Terminals"
      hidden={props.hidden}
    >
      <WorkspaceBar
        ws={ws}
        hosts={hosts}
        hostName={name}
        selectedHostId={props.selectedHostId}
        maximized={maximized}
        onMaximize={() => setMaximized((m) => !m)}
      />
      {state.tabs.length === 0 && (
        <p className="muted pad">No terminal open. Connect a host, or open one with +.</p>
      )}
      {state.tabs.map((tab) => (
        <TabPanel
          key={tab.id}
          tab={tab}
          label={tabLabel(state, tab, name)}
          labelId={`ws-tab-${tab.id}`}
          panes={tab.panes.map((p) => state.panes[p]).filter((p) => p !== undefined)}
          hosts={byId}
          active={tab.id === state.active}
          theme={theme}
          onClosePane={(paneId) => dispatch({ type: 'close-pane', paneId })}
          {...(props.onDrillLink ? { onDrillLink: props.onDrillLink } : {})}
        />
      ))}
      <FocusHint />
    </aside>
  )
}

/** The dock's bar: the tabs, New tab, Split, Stack (split tabs), Maximize and their menu. */
function WorkspaceBar({
  ws: { state, dispatch },
  hosts,
  hostName,
  selectedHostId,
  maximized,
  onMaximize,
}: {
  ws: Workspace
  hosts: HostView[]
  hostName: (id: string) => string
  selectedHostId: string | null
  maximized: boolean
  onMaximize: () => void
}) {
  const [menu, setMenu] = useState<'new' | 'split' | null>(null)
  const active = state.tabs.find((t) => t.id === state.active)
  return (
    <div className="ws-bar">
      <TabStrip ws={{ state, dispatch }} hostName={hostName} />
      <button
        type="button"
        className="small-button"
        aria-label="New terminal tab"
        title="New tab: a shell, a log pane or session logs of a host"
        onClick={() => setMenu('new')}
      >
        +
      </button>
      <button
        type="button"
        className="small-button"
        aria-label="Split the current tab"
        title="Add a pane beside this tab's panes (any host)"
        disabled={!active}
        onClick={() => setMenu('split')}
      >
        Split
      </button>
      {active && active.panes.length > 1 && <StackToggle tab={active} dispatch={dispatch} />}
      <button
        type="button"
        className="small-button"
        aria-label="Maximize terminals"
        aria-pressed={maximized}
        title="Show the terminals over the host view"
        onClick={onMaximize}
      >
        {maximized ? 'Restore' : 'Maximize'}
      </button>
      {menu && (
        <PaneMenu
          title={menu === 'new' ? 'New terminal tab' : 'Split the current tab'}
          hosts={hosts}
          defaultHost={selectedHostId}
          onClose={() => setMenu(null)}
          onPick={(hostId, kind) => {
            setMenu(null)
            dispatch(
              menu === 'split' && active
                ? { type: 'split', tabId: active.id, hostId, kind }
                : { type: 'open', hostId, kind },
            )
          }}
        />
      )}
    </div>
  )
}

/** Stacks a split tab's panes, or puts them side by side again. */
function StackToggle({ tab, dispatch }: { tab: TabSpec; dispatch: Dispatch<WorkspaceAction> }) {
  const stacked = tab.direction === 'column'
  return (
    <button
      type="button"
      className="small-button"
      aria-pressed={stacked}
      title="Stack the panes instead of side by side"
      onClick={() =>
        dispatch({ type: 'direction', tabId: tab.id, direction: stacked ? 'row' : 'column' })
      }
    >
      Stack
    </button>
  )
}

/** The tab list: one tab per tab of the workspace, each with its close button. */
function TabStrip({
  ws: { state, dispatch },
  hostName,
}: {
  ws: Workspace
  hostName: (id: string) => string
}) {
  return (
    <div role="tablist" aria-label="Terminal tabs" className="ws-tabs">
      {state.tabs.map((tab) => (
        <TabButton
          key={tab.id}
          id={`ws-tab-${tab.id}`}
          panel={`ws-panel-${tab.id}`}
          panes={tab.panes.map((p) => state.panes[p]).filter((p) => p !== undefined)}
          label={tabLabel(state, tab, hostName)}
          selected={tab.id === state.active}
          hostName={hostName}
          onSelect={() => dispatch({ type: 'activate', tabId: tab.id })}
          onClose={() => dispatch({ type: 'close-tab', tabId: tab.id })}
        />
      ))}
    </div>
  )
}

function TabButton(p: {
  id: string
  panel: string
  panes: PaneSpec[]
  label: string
  selected: boolean
  hostName: (id: string) => string
  onSelect: () => void
  onClose: () => void
}) {
  return (
    <span className={`ws-tab ${p.selected ? 'ws-tab-on' : ''}`}>
      <button
        type="button"
        role="tab"
        id={p.id}
        aria-selected={p.selected}
        aria-controls={p.panel}
        onClick={p.onSelect}
      >
        {p.panes.map((pane, i) => (
          <span key={pane.id}>
            {i > 0 ? ' | ' : ''}
            <span className="host-chip">{p.hostName(pane.hostId)}</span> {kindLabel(pane.kind)}
            {pane.n > 1 ? ` ${pane.n}` : ''}
          </span>
        ))}
      </button>
      <button
        type="button"
        className="icon-button"
        aria-label={`Close tab ${p.label}`}
        title="Close this tab (its streams close)"
        onClick={p.onClose}
      >
        ×
      </button>
    </span>
  )
}

/** The documented way out of a terminal, with its state (focus-mode.ts). */
function FocusHint() {
  const on = useTabMovesFocus()
  return (
    <footer className="ws-foot small muted" role="note" aria-label="Keyboard focus">
      <span>
        Tab moves focus: {on ? 'on' : 'off'} · {FOCUS_TOGGLE_KEY} in a shell toggles it · Tab always
        leaves log panes
      </span>
      <button type="button" className="link-button" onClick={toggleTabMovesFocus}>
        {on ? 'Turn off' : 'Turn on'}
      </button>
    </footer>
  )
}
