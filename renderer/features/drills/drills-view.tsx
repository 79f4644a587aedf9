import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'

import { drillListOptions, snapshotOptions } from '../../api/keys'
import { ErrorText } from '../../ui/error-text'
import { useHostGate } from '../ops/op-context'

import { DrillForm } from './drill-form'
import { DrillRun } from './drill-run'

/** Drills of a host: the list with descriptions and checks, the form, and the run view. */
export function DrillsView({
  hostId,
  runId,
  focusStep,
  onRun,
}: {
  hostId: string
  runId: string | null
  /** Index of the step a terminal line linked to, shown above the run's step list. */
  focusStep?: number | undefined
  onRun: (id: string) => void
}) {
  const gate = useHostGate()
  // Only a connected host is asked which drills it supports: opening the tab must never start
  // an SSH connection (that is the Connect button's job, with its host-key question).
  const list = useQuery(drillListOptions(gate.connected ? hostId : null))
  const snap = useQuery(snapshotOptions(hostId, gate.connected))
  const [picked, setPicked] = useState<string | null>(null)
  const devices = (snap.data?.devices ?? []).map((d) => d.handle)
  const drill = list.data?.find((d) => d.kind === picked)
  return (
    <div className="drills">
      <section className="panel drill-list" aria-label="Drill list">
        <h3>Drills</h3>
        <ErrorText error={list.error} prefix="Drills" />
        <ul>
          {(list.data ?? []).map((d) => (
            <li key={d.kind} className={picked === d.kind ? 'selected' : undefined}>
              <button
                type="button"
                className="drill-item"
                aria-pressed={picked === d.kind}
                aria-label={`Drill ${d.title}`}
                onClick={() => setPicked(d.kind)}
              >
                <strong>{d.title}</strong> <span className="mono small muted">{d.kind}</span>
                {d.needsFaultInjection && <span className="tag">fault injection</span>}
              </button>
              <p className="small">{d.description}</p>
              <details>
                <summary className="small">Checks ({d.checks.length})</summary>
                <ul className="small checks">
                  {d.checks.map((c) => (
                    <li key={c}>{c}</li>
                  ))}
                </ul>
                <p className="small muted">Source: {d.source}</p>
              </details>
            </li>
          ))}
        </ul>
      </section>
      <div className="drill-main">
        {drill ? (
          <section className="panel" aria-label="Drill parameters">
            <h3>{drill.title}</h3>
            <DrillForm key={drill.kind} drill={drill} devices={devices} onStarted={onRun} />
          </section>
        ) : (
          <p className="muted pad">Pick a drill to set its parameters.</p>
        )}
        {runId && <DrillRun key={runId} runId={runId} focusStep={focusStep} />}
      </div>
    </div>
  )
}
