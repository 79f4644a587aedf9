import { useQuery } from '@tanstack/react-query'
import {
  cloneElement,
  isValidElement,
  useId,
  useState,
  type FormEvent,
  type ReactElement,
  type ReactNode,
} from 'react'

import type { HostConfig, HostConfigInput } from '../../../contract/hosts'
import { hostsOptions } from '../../api/keys'
import { useAddHosts } from '../../api/mutations'
import { useDuplicateHost, useUpdateHost } from '../../api/host-mutations'
import { ErrorText } from '../../ui/error-text'
import { Modal } from '../../ui/dialog'

import {
  emptyFields,
  fieldsOf,
  parseHostFields,
  type FieldErrors,
  type HostFields,
} from './host-form'
import { SshConfigImport } from './ssh-import'

/** What the editor does: add a new host, edit one, or add a copy of one. */
export type EditorMode =
  | { kind: 'add' }
  | { kind: 'edit'; host: HostConfig }
  | { kind: 'duplicate'; host: HostConfig; newId: string }

function initial(mode: EditorMode): HostFields {
  if (mode.kind === 'add') return emptyFields
  if (mode.kind === 'edit') return fieldsOf(mode.host)
  return fieldsOf(mode.host, mode.newId, `${mode.host.name} (copy)`)
}

function titleOf(mode: EditorMode): string {
  return mode.kind === 'add'
    ? 'Add host'
    : `${mode.kind === 'edit' ? 'Edit' : 'Duplicate'} host ${mode.host.id}`
}

/** The editor's field state, validation and the labelled-input builder. */
function useHostFields(mode: EditorMode) {
  const [fields, setFields] = useState<HostFields>(() => initial(mode))
  const [touched, setTouched] = useState<Set<keyof HostFields>>(new Set())
  const [submitted, setSubmitted] = useState(false)
  const keep =
    mode.kind === 'add' ? {} : { readOnly: mode.host.readOnly, simulated: mode.host.simulated }
  const result = parseHostFields(fields, keep)
  const errors: FieldErrors = 'errors' in result ? result.errors : {}
  const shown = (k: keyof HostFields) => (submitted || touched.has(k) ? errors[k] : undefined)
  const touch = (name: keyof HostFields) => setTouched((t) => new Set(t).add(name))
  const field = (
    name: keyof HostFields,
    label: string,
    extra: object = {},
    control?: ReactNode,
  ) => (
    <Field
      label={label}
      error={shown(name)}
      control={
        control ?? (
          <input
            name={name}
            value={fields[name]}
            onChange={(e) => {
              setFields({ ...fields, [name]: e.target.value })
              if (e.target.value) touch(name)
            }}
            onBlur={() => touch(name)}
            {...extra}
          />
        )
      }
    />
  )
  return { fields, setFields, result, field, submit: () => setSubmitted(true) }
}

/** The mutation that saves the editor's config for its mode (add, update, or duplicate). */
function useSave(mode: EditorMode, onClose: () => void) {
  const add = useAddHosts()
  const update = useUpdateHost()
  const duplicate = useDuplicateHost()
  const save = mode.kind === 'edit' ? update : mode.kind === 'duplicate' ? duplicate : add
  const run = (config: HostConfigInput) => {
    const done = { onSuccess: onClose }
    if (mode.kind === 'edit') update.mutate({ hostId: mode.host.id, config }, done)
    else if (mode.kind === 'duplicate') duplicate.mutate({ hostId: mode.host.id, config }, done)
    else add.mutate([config], done)
  }
  return { save, run }
}

/**
 * The host editor (add, edit, duplicate): address, port, user, identity file, jump host
 * (ProxyJump), auth method and group, each checked as you type with the message next to the
 * field (`10.0.0.999 is not a valid IPv4 address`). Adding also offers ssh_config import.
 */
export function HostEditor({ mode, onClose }: { mode: EditorMode; onClose: () => void }) {
  const hosts = useQuery(hostsOptions())
  const { fields, setFields, result, field, submit: markSubmitted } = useHostFields(mode)
  const { save, run } = useSave(mode, onClose)
  const groups = [
    ...new Set((hosts.data ?? []).flatMap((h) => (h.config.group ? [h.config.group] : []))),
  ]
  function submit(e: FormEvent) {
    e.preventDefault()
    markSubmitted()
    if ('config' in result) run(result.config)
  }
  return (
    <Modal title={titleOf(mode)} onClose={onClose} wide>
      <form className="form-grid" onSubmit={submit} aria-label={`${titleOf(mode)} form`} noValidate>
        {field('id', 'Host id', {
          required: true,
          placeholder: 'lab-01',
          readOnly: mode.kind === 'edit',
        })}
        {field('name', 'Display name')}
        {field('host', 'Address', {
          required: true,
          placeholder: '10.0.0.5 or lab-01.example.net',
          readOnly: mode.kind === 'edit' && mode.host.simulated,
        })}
        {field('port', 'Port', {
          inputMode: 'numeric',
          readOnly: mode.kind === 'edit' && mode.host.simulated,
        })}
        {field('user', 'User', { required: true, placeholder: 'root' })}
        {field('identityFile', 'Identity file', { placeholder: '~/.ssh/id_ed25519' })}
        {field('proxyJump', 'Jump host', { placeholder: 'user@bastion:22 (ProxyJump)' })}
        {field(
          'auth',
          'Authentication',
          {},
          <select
            name="auth"
            value={fields.auth}
            onChange={(e) => setFields({ ...fields, auth: e.target.value })}
          >
            <option value="auto">auto: ssh-agent, then keys (as ssh)</option>
            <option value="publickey">key file only, no agent</option>
            <option value="agent">ssh-agent only</option>
          </select>,
        )}
        {field('group', 'Group', { list: 'host-groups', placeholder: 'rack-a' })}
        <datalist id="host-groups">
          {groups.map((g) => (
            <option key={g} value={g} />
          ))}
        </datalist>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={save.isPending}>
            {mode.kind === 'edit' ? 'Save' : 'Add host'}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          {mode.kind === 'edit' && (
            <span className="muted small">Changing how the host is reached disconnects it.</span>
          )}
        </div>
        <ErrorText error={save.error} prefix={titleOf(mode)} />
      </form>
      {mode.kind === 'add' && <SshConfigImport onDone={onClose} />}
    </Modal>
  )
}

/** One labelled field with its error under it (`aria-invalid`, `aria-describedby`). */
function Field({
  label,
  error,
  control,
}: {
  label: string
  error: string | undefined
  control: ReactNode
}) {
  const id = useId()
  const errId = `${id}-error`
  // The error sits outside the label, so the field's name stays its label while it shows.
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <ControlWithError control={control} id={id} invalid={error !== undefined} errId={errId} />
      {error && (
        <span id={errId} className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  )
}

function ControlWithError({
  control,
  id,
  invalid,
  errId,
}: {
  control: ReactNode
  id: string
  invalid: boolean
  errId: string
}) {
  if (!isValidElement(control)) return <>{control}</>
  return cloneElement(control as ReactElement<Record<string, unknown>>, {
    id,
    'aria-invalid': invalid,
    'aria-describedby': invalid ? errId : undefined,
  })
}
