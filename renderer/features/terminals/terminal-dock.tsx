import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'

import type { TerminalKind } from '../../../contract/terminals'
import { snapshotOptions } from '../../api/keys'
import type { Theme } from '../../ui/theme'
import { useHostGate, useOperation } from '../ops/op-context'

import type { DrillLink } from './drill-link'
import { TerminalPane } from './terminal-pane'

/** The panes of the dock, in tab order, with their accessible names. */
export const PANES: { kind: TerminalKind; label: string }[] = [
  { kind: 'trace', label: 'Firmware trace' },
  { kind: 'dmesg', label: 'dmesg' },
  { kind: 'devlink-monitor', label: 'devlink monitor' },
  { kind: 'shell', label: 'Shell' },
]

function TracerOffNotice({ hostId }: { hostId: string }) {
  const gate = useHostGate()
  const start = useOperation()
  const snap = useQuery(snapshotOptions(hostId, gate.connected))
  const tracer = snap.data?.tracer
  if (!tracer || tracer.enabled) return null
  return (
    <div className="banner banner-warn" role="status">
      Firmware tracer is off{tracer.path ? '' : ' (no tracer found on this kernel)'}.{' '}
      {tracer.path && (
        <button
          type="button"
          className="link-button"
          disabled={gate.blocked !== null}
          title={gate.blocked ?? undefined}
          onClick={() =>
            start({
              hostId,
              title: 'Enable firmware tracer',
              request: { op: 'fw-tracer', enable: true, path: tracer.path ?? undefined },
            })
          }
        >
          Enable firmware tracer
        </button>
      )}
    </div>
  )
}

/**
 * Terminal tabs of one host, docked beside the host view. A pane is created the first time
 * its tab is shown and stays mounted (hidden) afterwards so no output is missed; closing a
 * pane disposes it and keeps its serialized scrollback for the next open.
 */
export function TerminalDock({
  hostId,
  theme,
  onDrillLink,
}: {
  hostId: string
  theme: Theme
  /** A highlighted line was clicked: show that drill step. */
  onDrillLink?: (link: DrillLink) => void
}) {
  const [active, setActive] = useState<TerminalKind>('trace')
  const [opened, setOpened] = useState<Set<TerminalKind>>(new Set(['trace']))
  const show = (k: TerminalKind) => {
    setActive(k)
    setOpened((o) => new Set(o).add(k))
  }
  const close = (k: TerminalKind) =>
    setOpened((o) => {
      const n = new Set(o)
      n.delete(k)
      return n
    })
  return (
    <aside className="dock" aria-label="Terminals">
      <div role="tablist" aria-label="Terminal panes" className="tabs">
        {PANES.map((p) => (
          <button
            key={p.kind}
            type="button"
            role="tab"
            id={`tab-${p.kind}`}
            aria-selected={active === p.kind}
            aria-controls={`pane-${p.kind}`}
            onClick={() => show(p.kind)}
          >
            {p.label}
          </button>
        ))}
        <span className="spacer-flex" />
        {opened.has(active) && (
          <button
            type="button"
            className="small-button"
            aria-label={`Close ${PANES.find((p) => p.kind === active)?.label} pane`}
            onClick={() => close(active)}
          >
            ×
          </button>
        )}
      </div>
      {PANES.map((p) => (
        <section
          key={p.kind}
          role="tabpanel"
          id={`pane-${p.kind}`}
          aria-labelledby={`tab-${p.kind}`}
          aria-label={p.label}
          hidden={active !== p.kind}
          className="dock-panel"
        >
          {p.kind === 'trace' && <TracerOffNotice hostId={hostId} />}
          {opened.has(p.kind) ? (
            <TerminalPane
              hostId={hostId}
              kind={p.kind}
              label={p.label}
              theme={theme}
              visible={active === p.kind}
              {...(onDrillLink ? { onDrillLink } : {})}
            />
          ) : (
            <button type="button" className="pad" onClick={() => show(p.kind)}>
              Open {p.label}
            </button>
          )}
        </section>
      ))}
    </aside>
  )
}
