import { useId } from 'react'

import type { HostView } from '../../../contract/hosts'
import type { BroadcastDraft } from '../../api/broadcast'
import { Badge, connectionTone } from '../../ui/badge'
import { connectionText } from '../hosts/host-groups'

/** Hosts of the draft that may still be sent to (a host made read-only since drops out). */
export function chosenHosts(draft: BroadcastDraft, hosts: HostView[]): HostView[] {
  return hosts.filter((h) => draft.hostIds.includes(h.config.id) && !h.config.readOnly)
}

/**
 * The broadcast form: the command (typed once), the explicit host set (read-only hosts cannot
 * be chosen), the per-host timeout, and Review… (nothing is sent before the confirmation).
 */
export function BroadcastForm({
  hosts,
  draft,
  onChange,
  onReview,
}: {
  hosts: HostView[]
  draft: BroadcastDraft
  onChange: (d: BroadcastDraft) => void
  onReview: () => void
}) {
  const commandId = useId()
  const chosen = chosenHosts(draft, hosts)
  return (
    <div className="bc-form">
      <div className="bc-command">
        <label htmlFor={commandId}>Command</label>
        <textarea
          id={commandId}
          className="mono"
          rows={3}
          spellCheck={false}
          placeholder="devlink dev eswitch show"
          value={draft.command}
          onChange={(e) => onChange({ ...draft, command: e.target.value })}
        />
      </div>
      <HostChecklist
        hosts={hosts}
        chosen={draft.hostIds}
        onChange={(hostIds) => onChange({ ...draft, hostIds })}
      />
      <div className="row">
        <label>
          Timeout per host (s){' '}
          <input
            type="number"
            min={1}
            max={3600}
            value={draft.timeoutS}
            onChange={(e) => onChange({ ...draft, timeoutS: Number(e.target.value) })}
          />
        </label>
        <span className="spacer-flex" />
        <span className="small muted">
          {chosen.length} host{chosen.length === 1 ? '' : 's'} chosen
        </span>
        <button
          type="button"
          className="primary"
          disabled={
            chosen.length === 0 ||
            !draft.command.trim() ||
            !(draft.timeoutS >= 1 && draft.timeoutS <= 3600)
          }
          onClick={onReview}
        >
          Review…
        </button>
      </div>
    </div>
  )
}

/** The explicit host set: one checkbox per inventory host; read-only hosts are disabled. */
function HostChecklist({
  hosts,
  chosen,
  onChange,
}: {
  hosts: HostView[]
  chosen: string[]
  onChange: (hostIds: string[]) => void
}) {
  const ready = hosts.filter((h) => !h.config.readOnly && h.connection.state === 'ready')
  return (
    <fieldset className="bc-hosts">
      <legend>Hosts</legend>
      <div className="bc-host-list">
        {hosts.map((h) => (
          <label key={h.config.id} className="checkbox bc-host">
            <input
              type="checkbox"
              data-host={h.config.id}
              disabled={h.config.readOnly}
              checked={!h.config.readOnly && chosen.includes(h.config.id)}
              onChange={(e) =>
                onChange(
                  e.target.checked
                    ? [...chosen, h.config.id]
                    : chosen.filter((id) => id !== h.config.id),
                )
              }
            />
            <span className="mono">{h.config.name}</span>
            {h.config.readOnly && <span className="tag">read-only</span>}
            <Badge tone={connectionTone(h.connection.state)}>{connectionText(h.connection)}</Badge>
          </label>
        ))}
      </div>
      <div className="row">
        <button
          type="button"
          className="small-button"
          onClick={() => onChange(ready.map((h) => h.config.id))}
        >
          All connected
        </button>
        <button type="button" className="small-button" onClick={() => onChange([])}>
          None
        </button>
      </div>
    </fieldset>
  )
}
