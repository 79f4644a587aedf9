import { useState } from 'react'

import type { HostConfig } from '../../../contract/hosts'
import { useImportSshConfigText } from '../../api/host-mutations'
import { useAddHosts, useImportSshConfig } from '../../api/mutations'
import { ErrorText } from '../../ui/error-text'

/**
 * Import from an ssh_config the user chooses: a path on the console's machine (default
 * `~/.ssh/config`; Include lines work), or a file picked in the browser (sent as text). Every
 * concrete `Host` becomes a pick-list entry with its user, address, port and jump host.
 */
export function SshConfigImport({ onDone }: { onDone: () => void }) {
  const byPath = useImportSshConfig()
  const byText = useImportSshConfigText()
  const [path, setPath] = useState('')
  const [picked, setPicked] = useState<Set<string>>(new Set())
  const last = byText.submittedAt > byPath.submittedAt ? byText : byPath
  const found: HostConfig[] = last.data ?? []
  const read = (f: () => void) => {
    setPicked(new Set())
    f()
  }
  return (
    <section className="import" aria-label="Import from ssh config">
      <h3>Import from an ssh_config</h3>
      <div className="import-row">
        <label className="field grow">
          <span>ssh_config file</span>
          <input
            value={path}
            placeholder="~/.ssh/config"
            onChange={(e) => setPath(e.target.value)}
            className="mono"
          />
        </label>
        <button
          type="button"
          disabled={byPath.isPending}
          onClick={() => read(() => byPath.mutate(path.trim() || undefined))}
        >
          Read file
        </button>
        <label className="file-button">
          <input
            type="file"
            aria-label="Choose an ssh_config file"
            onChange={(e) => {
              const file = e.target.files?.[0]
              if (file)
                void file
                  .text()
                  .then((text) => read(() => byText.mutate({ text, name: file.name })))
            }}
          />
          Choose file…
        </label>
      </div>
      <ErrorText error={last.error} prefix="ssh_config" />
      {last.isSuccess && found.length === 0 && <p className="muted">No concrete hosts found.</p>}
      {found.length > 0 && (
        <PickList found={found} picked={picked} setPicked={setPicked} onDone={onDone} />
      )}
    </section>
  )
}

/** The hosts found, each with a checkbox, and the import button. */
function PickList({
  found,
  picked,
  setPicked,
  onDone,
}: {
  found: HostConfig[]
  picked: Set<string>
  setPicked: (s: Set<string>) => void
  onDone: () => void
}) {
  const add = useAddHosts()
  return (
    <>
      <ul className="import-list">
        {found.map((c) => (
          <li key={c.id}>
            <label>
              <input
                type="checkbox"
                checked={picked.has(c.id)}
                onChange={(e) => {
                  const next = new Set(picked)
                  if (e.target.checked) next.add(c.id)
                  else next.delete(c.id)
                  setPicked(next)
                }}
              />
              <span className="mono">
                {c.id} — {c.user}@{c.host}:{c.port}
                {c.proxyJump ? ` via ${c.proxyJump}` : ''}
              </span>
            </label>
          </li>
        ))}
      </ul>
      <button
        type="button"
        className="primary"
        disabled={picked.size === 0 || add.isPending}
        onClick={() =>
          add.mutate(
            found.filter((c) => picked.has(c.id)),
            { onSuccess: onDone },
          )
        }
      >
        Import {picked.size} selected
      </button>
      <ErrorText error={add.error} prefix="Import" />
    </>
  )
}
