import { useState, type FormEvent } from 'react'

import { HostConfig, type HostConfigInput } from '../../../contract/hosts'
import { useAddHosts, useImportSshConfig } from '../../api/mutations'
import { ErrorText } from '../../ui/error-text'
import { Modal } from '../../ui/dialog'

const empty = { id: '', name: '', host: '', port: '22', user: '', identityFile: '', group: '' }

/** Turns form fields into a validated HostConfig; returns the zod issues as text on failure. */
export function parseHostForm(f: typeof empty): { config: HostConfigInput } | { error: string } {
  const candidate = {
    id: f.id.trim(),
    name: f.name.trim() || f.id.trim(),
    host: f.host.trim(),
    port: Number(f.port),
    user: f.user.trim(),
    ...(f.identityFile.trim() ? { identityFile: f.identityFile.trim() } : {}),
    ...(f.group.trim() ? { group: f.group.trim() } : {}),
  }
  const parsed = HostConfig.safeParse(candidate)
  if (parsed.success) return { config: candidate }
  return {
    error: parsed.error.issues.map((i) => `${i.path.join('.') || 'host'}: ${i.message}`).join('; '),
  }
}

/** Add-host dialog: a form, or an import from `~/.ssh/config` with a pick list. */
export function AddHostDialog({ onClose }: { onClose: () => void }) {
  const [fields, setFields] = useState(empty)
  const [formError, setFormError] = useState<string | null>(null)
  const add = useAddHosts()

  function submit(e: FormEvent) {
    e.preventDefault()
    const r = parseHostForm(fields)
    if ('error' in r) return setFormError(r.error)
    setFormError(null)
    add.mutate([r.config], { onSuccess: onClose })
  }
  const field = (name: keyof typeof empty, label: string, extra: object = {}) => (
    <label className="field">
      <span>{label}</span>
      <input
        name={name}
        value={fields[name]}
        onChange={(e) => setFields({ ...fields, [name]: e.target.value })}
        {...extra}
      />
    </label>
  )
  return (
    <Modal title="Add host" onClose={onClose} wide>
      <form className="form-grid" onSubmit={submit} aria-label="Add host form">
        {field('id', 'Host id', { required: true, placeholder: 'lab-01' })}
        {field('name', 'Display name')}
        {field('host', 'Address', { required: true, placeholder: '10.0.0.5' })}
        {field('port', 'Port', { type: 'number', min: 1, max: 65535 })}
        {field('user', 'User', { required: true, placeholder: 'root' })}
        {field('identityFile', 'Identity file', { placeholder: '~/.ssh/id_ed25519' })}
        {field('group', 'Group')}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={add.isPending}>
            Add host
          </button>
        </div>
        {formError && (
          <p role="alert" className="error-text">
            {formError}
          </p>
        )}
        <ErrorText error={add.error} prefix="Add host" />
      </form>
      <ImportSection onDone={onClose} />
    </Modal>
  )
}

function ImportSection({ onDone }: { onDone: () => void }) {
  const importer = useImportSshConfig()
  const add = useAddHosts()
  const [picked, setPicked] = useState<Set<string>>(new Set())
  const found = importer.data ?? []
  return (
    <section className="import" aria-label="Import from ssh config">
      <h3>Import from ~/.ssh/config</h3>
      <button
        type="button"
        onClick={() => importer.mutate(undefined)}
        disabled={importer.isPending}
      >
        Read ~/.ssh/config
      </button>
      <ErrorText error={importer.error} prefix="ssh_config" />
      {importer.isSuccess && found.length === 0 && <p className="muted">No hosts found.</p>}
      {found.length > 0 && (
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
        </>
      )}
    </section>
  )
}
