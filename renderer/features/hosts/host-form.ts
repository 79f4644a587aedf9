import { hostAddressProblem } from '../../../contract/host-address'
import { AuthMethod, HostConfig, type HostConfigInput } from '../../../contract/hosts'

/** The host editor's fields, as typed (strings). */
export interface HostFields {
  id: string
  name: string
  host: string
  port: string
  user: string
  identityFile: string
  proxyJump: string
  auth: string
  group: string
}

/** An empty form (port 22, auth `auto`). */
export const emptyFields: HostFields = {
  id: '',
  name: '',
  host: '',
  port: '22',
  user: '',
  identityFile: '',
  proxyJump: '',
  auth: 'auto',
  group: '',
}

/** The form's fields for an existing entry (edit) or a copy of it (duplicate, new id). */
export function fieldsOf(c: HostConfigInput, id = c.id, name = c.name): HostFields {
  return {
    id,
    name,
    host: c.host,
    port: String(c.port ?? 22),
    user: c.user,
    identityFile: c.identityFile ?? '',
    proxyJump: c.proxyJump ?? '',
    auth: c.auth ?? 'auto',
    group: c.group ?? '',
  }
}

/** Field name → what is wrong with it; empty when the form is valid. */
export type FieldErrors = Partial<Record<keyof HostFields, string>>

/**
 * Validates a ProxyJump chain as OpenSSH spells it (`user@jump1:22,jump2`): every hop a
 * `[user@]host[:port]` whose host is a valid address or ssh_config alias. Null when valid.
 */
export function jumpProblem(chain: string): string | null {
  for (const hop of chain.split(',').map((h) => h.trim())) {
    const m = /^(?:([^@\s]+)@)?(\[[^\]\s]+\]|[^:@\s[\]]+)(?::(\d{1,5}))?$/.exec(hop)
    if (!m || m[2] === undefined) return `"${hop}" is not [user@]host[:port]`
    const port = m[3] === undefined ? 22 : Number(m[3])
    if (port < 1 || port > 65535) return `"${hop}": port ${port} is not from 1 to 65535`
    const problem = hostAddressProblem(m[2].replace(/^\[|\]$/g, ''))
    if (problem !== null) return `jump host ${problem}`
  }
  return null
}

/**
 * Turns the form into a HostConfig, or the errors per field. Address and jump host get the
 * precise message (`10.0.0.999 is not a valid IPv4 address: 999 …`); the rest comes from the
 * contract's schema, so the form and the back end agree. `simulated`/`readOnly` carry over.
 */
export function parseHostFields(
  f: HostFields,
  keep: Pick<HostConfigInput, 'readOnly' | 'simulated'> = {},
): { config: HostConfigInput } | { errors: FieldErrors } {
  const errors: FieldErrors = {}
  const address = hostAddressProblem(f.host)
  if (address !== null) errors.host = address
  if (f.proxyJump.trim()) {
    const jump = jumpProblem(f.proxyJump.trim())
    if (jump !== null) errors.proxyJump = jump
  }
  if (!/^\d{1,5}$/.test(f.port.trim())) errors.port = 'a port is a number from 1 to 65535'
  const auth = AuthMethod.safeParse(f.auth)
  const candidate: HostConfigInput = {
    id: f.id.trim(),
    name: f.name.trim() || f.id.trim(),
    host: f.host.trim(),
    port: Number(f.port),
    user: f.user.trim(),
    ...(f.identityFile.trim() ? { identityFile: f.identityFile.trim() } : {}),
    ...(f.proxyJump.trim() ? { proxyJump: f.proxyJump.trim() } : {}),
    ...(auth.success && auth.data !== 'auto' ? { auth: auth.data } : {}),
    ...(f.group.trim() ? { group: f.group.trim() } : {}),
    ...keep,
  }
  const parsed = HostConfig.safeParse(candidate)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'id') as keyof HostFields
      errors[field] ??= messageFor(field, issue.message)
    }
  }
  return Object.keys(errors).length ? { errors } : { config: candidate }
}

function messageFor(field: keyof HostFields, message: string): string {
  switch (field) {
    case 'id':
      return 'letters, digits, ".", "_" and "-", at most 64, starting with a letter or digit'
    case 'user':
      return 'a POSIX user name (letters, digits, ".", "_", "-")'
    case 'port':
      return 'a port is a number from 1 to 65535'
    default:
      return message
  }
}

/**
 * Parses quick connect input: `[ssh ][user@]host[:port]` or `[user@][v6addr]:port`. The user
 * defaults to `root` (lab hypervisors), the port to 22. Returns the parts or why not.
 */
export function parseQuickConnect(
  text: string,
): { user: string; host: string; port: number } | { error: string } {
  const spec = text.trim().replace(/^ssh\s+/, '')
  const m = /^(?:([^@\s]+)@)?(\[[^\]\s]+\]|[^:@\s[\]]+)(?::(\d{1,5}))?$/.exec(spec)
  if (!m || m[2] === undefined) return { error: `"${text.trim()}" is not user@host:port` }
  const host = m[2].replace(/^\[|\]$/g, '')
  const problem = hostAddressProblem(host)
  if (problem !== null) return { error: problem }
  const port = m[3] === undefined ? 22 : Number(m[3])
  if (port < 1 || port > 65535) return { error: `port ${port} is not from 1 to 65535` }
  const user = m[1] ?? 'root'
  if (!/^[a-z_][a-z0-9_.-]{0,31}\$?$/i.test(user)) return { error: `"${user}" is not a user name` }
  return { user, host, port }
}

/** An inventory id for a quick-connect target (`10.0.0.5-22`), unique among `taken`. */
export function quickConnectId(host: string, port: number, taken: ReadonlySet<string>): string {
  const base = `${host}-${port}`.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '')
  const stem = base.slice(0, 58) || 'host'
  for (let n = 1; ; n++) {
    const id = n === 1 ? stem : `${stem}-${n}`
    if (!taken.has(id)) return id
  }
}
