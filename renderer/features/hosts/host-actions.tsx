import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'

import { copyIdFor } from '../../../contract/host-admin'
import type { HostView } from '../../../contract/hosts'
import { hostsOptions } from '../../api/keys'
import { useRemoveHost } from '../../api/mutations'
import { Modal } from '../../ui/dialog'
import { ErrorText } from '../../ui/error-text'

import { HostEditor, type EditorMode } from './host-editor'
import { hostLabel } from './host-groups'

/** Edit…, Duplicate… and Remove… for the host shown (as Tabby and electerm offer). */
export function HostActions({ host }: { host: HostView }) {
  const hosts = useQuery(hostsOptions())
  const [mode, setMode] = useState<EditorMode | null>(null)
  const [removing, setRemoving] = useState(false)
  const taken = new Set((hosts.data ?? []).map((h) => h.config.id))
  return (
    <>
      <button type="button" onClick={() => setMode({ kind: 'edit', host: host.config })}>
        Edit…
      </button>
      <button
        type="button"
        onClick={() =>
          setMode({ kind: 'duplicate', host: host.config, newId: copyIdFor(host.config.id, taken) })
        }
      >
        Duplicate…
      </button>
      <button type="button" onClick={() => setRemoving(true)}>
        Remove…
      </button>
      {mode && <HostEditor mode={mode} onClose={() => setMode(null)} />}
      {removing && <RemoveHost host={host} onClose={() => setRemoving(false)} />}
    </>
  )
}

function RemoveHost({ host, onClose }: { host: HostView; onClose: () => void }) {
  const remove = useRemoveHost()
  const id = host.config.id
  return (
    <Modal
      title={`Remove host ${id}`}
      onClose={onClose}
      actions={
        <>
          <button type="button" onClick={onClose} autoFocus>
            Cancel
          </button>
          <button
            type="button"
            className="danger"
            disabled={remove.isPending}
            onClick={() => remove.mutate(id, { onSuccess: onClose })}
          >
            Remove host
          </button>
        </>
      }
    >
      <p>
        Remove <strong>{host.config.name}</strong> (<span className="mono">{hostLabel(host)}</span>)
        from the inventory? It is disconnected first. Its drill reports, audit entries and session
        logs stay; nothing on the host changes.
      </p>
      <ErrorText error={remove.error} prefix={`Remove ${id}`} />
    </Modal>
  )
}
