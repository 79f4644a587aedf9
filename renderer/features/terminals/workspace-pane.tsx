import { useEffect, useState } from 'react'

import type { HostView } from '../../../contract/hosts'
import type { Theme } from '../../ui/theme'
import { HostGateProvider } from '../ops/op-context'

import type { DrillLink } from './drill-link'
import { LogBrowser } from './log-browser'
import { TerminalPane } from './terminal-pane'
import { TracerOffNotice } from './tracer-notice'
import { kindLabel, paneName, type PaneSpec } from './workspace-model'

/**
 * Whether a host's streams may be open: from its first `ready` until it is disconnected or
 * failed. Through a reconnect (`reconnecting`, `connecting`) the panes stay mounted: main
 * parks and resumes their streams itself.
 */
function useHostLive(state: string | undefined): boolean {
  const [live, setLive] = useState(state === 'ready')
  useEffect(() => {
    if (state === 'ready') setLive(true)
    else if (state !== 'reconnecting' && state !== 'connecting') setLive(false)
  }, [state])
  return live || state === 'ready'
}

/**
 * One pane of a tab: a header naming host and kind with its close button, and the pane itself.
 * A terminal pane's stream is open while the pane is mounted and its host live (see
 * `useHostLive`); when the host disconnects the pane says so and reopens (with its scrollback)
 * when the host is back. Session logs are local files: they need no connection.
 */
export function WorkspacePane({
  pane,
  host,
  theme,
  visible,
  onClose,
  onDrillLink,
}: {
  pane: PaneSpec
  host: HostView | undefined
  theme: Theme
  visible: boolean
  onClose: () => void
  onDrillLink?: (link: DrillLink) => void
}) {
  const hostName = host?.config.name ?? pane.hostId
  const name = paneName(pane, hostName)
  const state = host?.connection.state
  const live = useHostLive(state)
  const gate = {
    hostId: pane.hostId,
    readOnly: host?.config.readOnly ?? true,
    connected: state === 'ready',
  }
  return (
    <section className="ws-pane" role="region" aria-label={name}>
      <header className="ws-pane-head">
        <span className="ws-pane-title">
          <span className="host-chip">{hostName}</span> {kindLabel(pane.kind)}
          {pane.n > 1 ? ` ${pane.n}` : ''}
        </span>
        {state !== 'ready' && pane.kind !== 'logs' && (
          <span className="small muted">{state ?? 'removed'}</span>
        )}
        <span className="spacer-flex" />
        <button
          type="button"
          className="icon-button"
          aria-label={`Close ${name} pane`}
          title="Close this pane (its stream closes)"
          onClick={onClose}
        >
          ×
        </button>
      </header>
      <HostGateProvider gate={gate}>
        {pane.kind === 'logs' ? (
          <LogBrowser hostId={pane.hostId} hostName={hostName} theme={theme} visible={visible} />
        ) : host && live ? (
          <>
            {pane.kind === 'trace' && <TracerOffNotice hostId={pane.hostId} />}
            <TerminalPane
              hostId={pane.hostId}
              kind={pane.kind}
              name={name}
              scrollbackKey={`${pane.hostId}/${pane.kind}/${pane.n}`}
              theme={theme}
              visible={visible}
              {...(onDrillLink ? { onDrillLink } : {})}
            />
          </>
        ) : (
          <p className="muted pad">
            {host
              ? `${hostName} is not connected: this pane opens again, with its scrollback, when it is.`
              : `${pane.hostId} is no longer in the inventory.`}
          </p>
        )}
      </HostGateProvider>
    </section>
  )
}
