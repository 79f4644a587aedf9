import { useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'

import { hostsOptions } from '../../api/keys'
import { lab } from '../../api/lab'
import { useConnectHost } from '../../api/mutations'
import { call } from '../../api/unwrap'
import { ErrorText } from '../../ui/error-text'

import { parseQuickConnect, quickConnectId } from './host-form'

/**
 * Quick connect: type `user@host:port` and press Enter. A known target is selected and
 * connected; a new one is added to the "Quick connect" group first (so it can be edited,
 * kept or removed like any host). Recent targets are offered as you type.
 */
export function QuickConnect({ onSelect }: { onSelect: (hostId: string) => void }) {
  const hosts = useQuery(hostsOptions())
  const connect = useConnectHost()
  const [text, setText] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [failure, setFailure] = useState<unknown>(null)

  async function submit(e: FormEvent) {
    e.preventDefault()
    const target = parseQuickConnect(text)
    if ('error' in target) return setError(target.error)
    setError(null)
    setFailure(null)
    const all = hosts.data ?? []
    const known = all.find(
      (h) =>
        h.config.host === target.host &&
        h.config.port === target.port &&
        h.config.user === target.user,
    )
    let id = known?.config.id
    try {
      if (!id) {
        id = quickConnectId(target.host, target.port, new Set(all.map((h) => h.config.id)))
        await call(
          lab().hosts.add({
            id,
            name: `${target.host}:${target.port}`,
            ...target,
            group: 'Quick connect',
          }),
        )
      }
      onSelect(id)
      setText('')
      connect.mutate({ hostId: id, connect: true })
    } catch (err) {
      setFailure(err)
    }
  }
  return (
    <form className="quick-connect" onSubmit={(e) => void submit(e)} aria-label="Quick connect">
      <input
        role="combobox"
        aria-expanded={false}
        aria-label="Quick connect"
        aria-invalid={error !== null}
        placeholder="Quick connect: root@10.0.0.5:22"
        className="mono"
        value={text}
        list="quick-connect-recent"
        onChange={(e) => {
          setText(e.target.value)
          setError(null)
        }}
      />
      <datalist id="quick-connect-recent">
        {(hosts.data ?? []).map((h) => (
          <option key={h.config.id} value={`${h.config.user}@${h.config.host}:${h.config.port}`} />
        ))}
      </datalist>
      {error && (
        <p role="alert" className="field-error">
          {error}
        </p>
      )}
      <ErrorText error={failure} prefix="Quick connect" />
    </form>
  )
}
