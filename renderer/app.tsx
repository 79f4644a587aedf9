import { useQuery } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'

import type { HostView as HostViewData } from '../contract/hosts'

import { hostsOptions } from './api/keys'
import { useSocket } from './api/socket-context'
import { useLabEvents } from './api/use-lab-events'
import type { SocketState } from './api/ws-client'
import { BroadcastView } from './features/broadcast/broadcast-view'
import { AuditView } from './features/drills/audit-view'
import { DrillsView } from './features/drills/drills-view'
import { HistoryView } from './features/drills/history-view'
import { HostHeader, HostView } from './features/host/host-view'
import { HostKeyDialogs } from './features/hosts/host-key-dialog'
import { HostList } from './features/hosts/host-list'
import { Notifications } from './features/notify/notifications'
import { HostGateProvider, OperationProvider } from './features/ops/op-context'
import type { DrillLink } from './features/terminals/drill-link'
import { toggleTabMovesFocus } from './features/terminals/focus-mode'
import { TerminalWorkspace, useTerminalWorkspace } from './features/terminals/terminal-workspace'
import { Modal } from './ui/dialog'
import { shortcutLabel, useShortcuts, type Shortcut } from './ui/shortcuts'
import { useTheme, type Theme } from './ui/theme'
import { LayoutButtons, Workspace } from './ui/workspace'

type Tab = 'devices' | 'drills' | 'history' | 'audit' | 'broadcast'
const TABS: { id: Tab; label: string }[] = [
  { id: 'devices', label: 'Devices' },
  { id: 'drills', label: 'Drills' },
  { id: 'history', label: 'History' },
  { id: 'audit', label: 'Audit' },
  { id: 'broadcast', label: 'Broadcast' },
]

/** Props of `App`: the transport's kind and socket state, for the top bar. */
export interface AppProps {
  transportKind: 'electron' | 'websocket'
  socketState: () => SocketState
  onSocketState: (l: (s: SocketState) => void) => () => void
  /** Browser mode: ends the session (the top bar's Log out). */
  logout?: () => Promise<string | null>
}

function useSocketState(props: AppProps): SocketState {
  const [s, setS] = useState(props.socketState)
  useEffect(() => {
    const off = props.onSocketState(setS)
    setS(props.socketState())
    return off
  }, [props])
  return s
}

/** Top-bar text for the socket state, naming the reason and the retry delay. */
export function socketText(s: SocketState): string {
  if (s.state === 'open') return 'connected to console server'
  if (s.state === 'ended') return `${s.reason}: open a new login link from replab to continue`
  if (s.state === 'connecting') {
    return s.attempt > 0 ? `reconnecting (attempt ${s.attempt + 1})…` : 'connecting…'
  }
  return `disconnected: ${s.reason}; retrying in ${Math.ceil(s.retryInMs / 1000)} s`
}

/** The page's keyboard shortcuts (the `?` help lists them). */
function appShortcuts(to: {
  search: () => void
  setTab: (tab: Tab) => void
  toggleDock: () => void
  toggleTheme: () => void
  showHelp: () => void
}): Shortcut[] {
  return [
    { key: '/', description: 'Search hosts', run: to.search },
    { key: '1', alt: true, description: 'Devices tab', run: () => to.setTab('devices') },
    { key: '2', alt: true, description: 'Drills tab', run: () => to.setTab('drills') },
    { key: '3', alt: true, description: 'History tab', run: () => to.setTab('history') },
    { key: '4', alt: true, description: 'Audit tab', run: () => to.setTab('audit') },
    { key: '5', alt: true, description: 'Broadcast tab', run: () => to.setTab('broadcast') },
    { key: 't', alt: true, description: 'Show or hide terminals', run: to.toggleDock },
    { key: 'l', alt: true, description: 'Toggle light/dark theme', run: to.toggleTheme },
    {
      key: 'm',
      ctrl: true,
      shift: false,
      description: 'Terminals: Tab moves focus out of a shell (on/off)',
      run: toggleTabMovesFocus,
    },
    { key: '?', shift: true, description: 'Keyboard shortcuts', run: to.showHelp },
  ]
}

/** The console: top bar, host inventory, host view with tabs, and the terminal dock. */
export function App(props: AppProps) {
  useLabEvents()
  const { theme, toggle } = useTheme()
  const hosts = useQuery(hostsOptions())
  const [hostId, setHostId] = useState<string | null>(null)
  const [tab, setTab] = useState<Tab>('devices')
  const [dock, setDock] = useState(true)
  const [help, setHelp] = useState(false)
  /** The drill run shown in the Drills tab, and the step a terminal link pointed at. */
  const [run, setRun] = useState<RunView | null>(null)
  const searchRef = useRef<HTMLInputElement>(null)
  const host = hosts.data?.find((h) => h.config.id === hostId) ?? hosts.data?.[0]
  const shortcuts = appShortcuts({
    search: () => searchRef.current?.focus(),
    setTab,
    toggleDock: () => setDock((d) => !d),
    toggleTheme: toggle,
    showHelp: () => setHelp(true),
  })
  useShortcuts(shortcuts)
  const openRun = (view: RunView, hostId?: string) => {
    if (hostId) setHostId(hostId)
    setRun(view)
    setTab('drills')
  }
  // Terminal tabs live as long as the page, whichever host is selected (issue 18).
  const terminals = useTerminalWorkspace(host)
  const showDock = dock && terminals.state.tabs.length > 0
  return (
    <OperationProvider>
      <div className={`app ${showDock ? 'with-dock' : ''}`}>
        <TopBar
          {...props}
          theme={theme}
          toggleTheme={toggle}
          dock={dock}
          toggleDock={() => setDock((d) => !d)}
          showHelp={() => setHelp(true)}
        />
        <Workspace
          side={
            <HostList
              selected={host?.config.id ?? null}
              onSelect={setHostId}
              searchRef={searchRef}
            />
          }
          main={
            <main className="main" aria-label="Host">
              {host ? (
                <HostTabs {...{ host, tab, setTab, run, setRun }} onSelectHost={setHostId} />
              ) : (
                <p className="muted pad">
                  {hosts.isPending ? 'Loading…' : 'No hosts yet. Add one from the sidebar.'}
                </p>
              )}
            </main>
          }
          dockVisible={showDock}
          dock={
            <TerminalWorkspace
              ws={terminals}
              selectedHostId={host?.config.id ?? null}
              theme={theme}
              hidden={!showDock}
              onDrillLink={(link, linkHost) => openRun(link, linkHost)}
            />
          }
        />
      </div>
      <HostKeyDialogs />
      <Notifications
        viewing={{ hostId: host?.config.id ?? null, tab, runId: run?.runId ?? null }}
        onOpenRun={(hostId, runId) => openRun({ runId }, hostId)}
      />
      {help && <ShortcutHelp shortcuts={shortcuts} onClose={() => setHelp(false)} />}
    </OperationProvider>
  )
}

function TopBar(
  p: AppProps & {
    theme: Theme
    toggleTheme: () => void
    dock: boolean
    toggleDock: () => void
    showHelp: () => void
  },
) {
  const socket = useSocketState(p)
  const { retryNow } = useSocket()
  return (
    <header className="topbar">
      <span className="brand">replab</span>
      <span
        className={`socket socket-${socket.state}`}
        role="status"
        aria-label="Console server connection"
      >
        {p.transportKind === 'electron' ? 'local' : socketText(socket)}
      </span>
      {socket.state === 'closed' && (
        <button type="button" className="small-button" onClick={retryNow}>
          Retry now
        </button>
      )}
      <span className="spacer-flex" />
      <LayoutButtons />
      <button type="button" onClick={p.toggleDock} aria-pressed={p.dock} aria-keyshortcuts="Alt+T">
        Terminals
      </button>
      <button
        type="button"
        onClick={p.toggleTheme}
        aria-label={`Switch to ${p.theme === 'dark' ? 'light' : 'dark'} theme`}
        aria-keyshortcuts="Alt+L"
      >
        {p.theme === 'dark' ? 'Light theme' : 'Dark theme'}
      </button>
      <button
        type="button"
        onClick={p.showHelp}
        aria-label="Keyboard shortcuts"
        aria-keyshortcuts="Shift+?"
      >
        ?
      </button>
      {p.logout && socket.state !== 'ended' && (
        <button type="button" onClick={() => void p.logout?.()}>
          Log out
        </button>
      )}
    </header>
  )
}

/** A drill run opened in the Drills tab; `step` when a terminal line linked to one step. */
type RunView = { runId: string; step?: number } | DrillLink

function HostTabs({
  host,
  tab,
  setTab,
  onSelectHost,
  run,
  setRun,
}: {
  host: HostViewData
  tab: Tab
  setTab: (t: Tab) => void
  onSelectHost: (id: string) => void
  run: RunView | null
  setRun: (r: RunView | null) => void
}) {
  const gate = {
    hostId: host.config.id,
    readOnly: host.config.readOnly,
    connected: host.connection.state === 'ready',
  }
  return (
    <>
      <div role="tablist" aria-label="Host views" className="tabs main-tabs">
        {TABS.map((t, i) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            aria-keyshortcuts={`Alt+${i + 1}`}
            onClick={() => setTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={TABS.find((t) => t.id === tab)?.label} className="tabpanel">
        {tab === 'devices' && <HostView key={host.config.id} host={host} />}
        {tab === 'broadcast' && <BroadcastView />}
        {tab !== 'devices' && tab !== 'broadcast' && (
          <HostGateProvider gate={gate}>
            <HostHeader host={host} />
            {tab === 'drills' && (
              <DrillsView
                hostId={host.config.id}
                runId={run?.runId ?? null}
                focusStep={run?.step}
                onRun={(runId) => setRun({ runId })}
              />
            )}
            {tab === 'audit' && <AuditView hostId={host.config.id} />}
            {tab === 'history' && (
              <HistoryView
                hostId={null}
                onOpen={(id, h) => {
                  onSelectHost(h)
                  setRun({ runId: id })
                  setTab('drills')
                }}
              />
            )}
          </HostGateProvider>
        )}
      </div>
    </>
  )
}

function ShortcutHelp({ shortcuts, onClose }: { shortcuts: Shortcut[]; onClose: () => void }) {
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose}>
      <dl className="kv">
        {shortcuts.map((s) => (
          <div key={s.description} className="kv-row">
            <dt className="mono">{shortcutLabel(s)}</dt>
            <dd>{s.description}</dd>
          </div>
        ))}
      </dl>
    </Modal>
  )
}
