import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'

import type { AuditEntry } from '../../../contract/audit'
import { auditOptions } from '../../api/keys'
import { Badge, statusTone } from '../../ui/badge'
import { ErrorText } from '../../ui/error-text'

/**
 * The audit log of mutating operations (who, when, host, device, commands with exit codes): a
 * drill is one row updated with its outcome, and each command it sent a row of its own under
 * the step that sent it.
 */
export function AuditView({ hostId }: { hostId: string }) {
  const [allHosts, setAllHosts] = useState(false)
  const audit = useQuery(auditOptions(allHosts ? null : hostId))
  const entries = audit.data ?? []
  return (
    <section className="panel audit" aria-label="Audit log">
      <header className="row">
        <h3>Audit log</h3>
        <label className="checkbox small">
          <input
            type="checkbox"
            checked={allHosts}
            onChange={(e) => setAllHosts(e.target.checked)}
          />
          All hosts
        </label>
        <span className="muted small">{entries.length} entries, newest first</span>
      </header>
      <ErrorText error={audit.error} prefix="Audit log" />
      {entries.length === 0 && !audit.isPending && <p className="muted">Nothing audited yet.</p>}
      <div className="table-scroll">
        <table className="grid compact" aria-label="Audit log">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Host</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Status</th>
              <th scope="col">ms</th>
              <th scope="col">Commands</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e, i) => (
              <AuditRow key={`${e.at}-${i}`} e={e} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

function AuditRow({ e }: { e: AuditEntry }) {
  return (
    <tr>
      <td className="mono small">{new Date(e.at).toLocaleString()}</td>
      <td className="mono small">{e.who}</td>
      <td className="mono">{e.hostId}</td>
      <td>
        {e.action}
        {e.step && <span className="muted small"> · step {e.step}</span>}
      </td>
      <td className="mono small">{e.device ?? e.target}</td>
      <td>
        <Badge tone={statusTone(e.status)}>{e.status}</Badge>
      </td>
      <td className="num">{Math.round(e.durationMs)}</td>
      <td>
        <details>
          <summary className="small">{e.commands.length} command(s)</summary>
          <ul className="mono small commands">
            {e.commands.map((c, j) => (
              <li key={j}>
                $ {c.command} → exit {c.code ?? '?'} ({Math.round(c.durationMs)} ms)
              </li>
            ))}
          </ul>
        </details>
      </td>
    </tr>
  )
}
