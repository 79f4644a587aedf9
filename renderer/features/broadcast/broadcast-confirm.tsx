import type { HostView } from '../../../contract/hosts'
import { Modal } from '../../ui/dialog'
import { ErrorText } from '../../ui/error-text'
import { connectionText, hostLabel } from '../hosts/host-groups'

/**
 * The confirmation before a broadcast is sent: the exact command, verbatim, and every host it
 * will run on with its address and state. Only "Run on N hosts" sends; Cancel sends nothing.
 */
export function BroadcastConfirm({
  command,
  hosts,
  timeoutS,
  sending,
  error,
  onRun,
  onCancel,
}: {
  command: string
  hosts: HostView[]
  timeoutS: number
  sending: boolean
  error: unknown
  onRun: () => void
  onCancel: () => void
}) {
  const n = hosts.length
  return (
    <Modal
      title="Confirm broadcast"
      tone="danger"
      onClose={onCancel}
      actions={
        <>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="danger" disabled={sending} onClick={onRun}>
            Run on {n} host{n === 1 ? '' : 's'}
          </button>
        </>
      }
    >
      <p>
        This command runs once on each host below, as an SSH exec by the login shell of its user. It
        is not checked or undone by replab: read it before you send it.
      </p>
      <pre className="bc-confirm-command" aria-label="Command to send">
        {command}
      </pre>
      <ul className="bc-confirm-hosts" aria-label="Hosts to run on">
        {hosts.map((h) => (
          <li key={h.config.id}>
            <span className="mono">{h.config.name}</span>{' '}
            <span className="mono small muted">{hostLabel(h)}</span>{' '}
            <span className="small">{connectionText(h.connection)}</span>
          </li>
        ))}
      </ul>
      <p className="small muted">
        Timeout {timeoutS} s per host (connecting included): the remote command is then killed. The
        first 64 KiB of each host&apos;s output are kept. Each host&apos;s run goes to the audit
        log.
      </p>
      <ErrorText error={error} prefix="Broadcast refused" />
    </Modal>
  )
}
