import { createHash, createHmac, randomBytes } from 'node:crypto'
import { appendFile, mkdir, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'

/**
 * OpenSSH `known_hosts` (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): `[marker] patterns keytype
 * base64 [comment]`. Patterns are comma separated, may use `*`/`?` wildcards and `!` negation,
 * `[host]:port` for non-22 ports, or be hashed as `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`
 * (OpenSSH hostfile.c). Markers: `@revoked` (refuse that key) and `@cert-authority` (CA keys;
 * replab does not do host certificates, so those lines are kept but never match).
 */

/** One usable line of a known_hosts file. */
export interface KnownHostEntry {
  readonly file: string
  /** 1-based line number. */
  readonly line: number
  readonly marker: 'revoked' | 'cert-authority' | null
  /** Raw comma-separated host field (plain patterns or one hashed `|1|…` token). */
  readonly hosts: string
  readonly keyType: string
  /** The public key blob (base64-decoded third field). */
  readonly key: Buffer
}

/** A line that could not be parsed; reported with `file:line`, never fatal. */
export interface KnownHostsProblem {
  readonly file: string
  readonly line: number
  readonly reason: string
}

/** Parsed content of one or more known_hosts files. */
export interface KnownHostsData {
  readonly entries: readonly KnownHostEntry[]
  readonly problems: readonly KnownHostsProblem[]
}

/** Outcome of checking a presented host key. Locations are `file:line`. */
export type HostKeyCheck =
  | { readonly status: 'match'; readonly location: string }
  | { readonly status: 'unknown'; readonly knownTypes: readonly string[] }
  | {
      readonly status: 'changed'
      readonly knownFingerprint: string
      /** Type of the key on record (`ssh-ed25519`), which may differ from the offered one. */
      readonly knownKeyType: string
      readonly location: string
    }
  | { readonly status: 'revoked'; readonly location: string }

/**
 * SHA256 fingerprint exactly as `ssh-keygen -l` / OpenSSH print it: `SHA256:` + base64 of the
 * SHA-256 of the key blob, `=` padding stripped (OpenSSH sshkey.c `sshkey_fingerprint_raw`).
 */
export function fingerprintSha256(keyBlob: Buffer): string {
  const b64 = createHash('sha256').update(keyBlob).digest('base64')
  return `SHA256:${b64.replace(/=+$/, '')}`
}

/** The key type named inside an SSH public key blob (its first string), e.g. `ssh-ed25519`. */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown'
  const len = keyBlob.readUInt32BE(0)
  if (len > 64 || 4 + len > keyBlob.length) return 'unknown'
  return keyBlob.subarray(4, 4 + len).toString('latin1')
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`
}

/** Parses known_hosts text. Bad lines go to `problems` with their line number. */
export function parseKnownHosts(text: string, file: string): KnownHostsData {
  const entries: KnownHostEntry[] = []
  const problems: KnownHostsProblem[] = []
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').trim()
    if (line === '' || line.startsWith('#')) return
    const parsed = parseLine(line, file, i + 1)
    if ('reason' in parsed) problems.push(parsed)
    else entries.push(parsed)
  })
  return { entries, problems }
}

function parseLine(line: string, file: string, lineNo: number): KnownHostEntry | KnownHostsProblem {
  const fields = line.split(/\s+/)
  let marker: KnownHostEntry['marker'] = null
  if (fields[0]?.startsWith('@')) {
    const m = fields.shift()
    if (m === '@revoked') marker = 'revoked'
    else if (m === '@cert-authority') marker = 'cert-authority'
    else return { file, line: lineNo, reason: `unknown marker ${m ?? ''}` }
  }
  const [hosts, keyType, b64] = fields
  if (hosts === undefined || keyType === undefined || b64 === undefined) {
    return { file, line: lineNo, reason: 'expected: [marker] hosts keytype base64-key [comment]' }
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
    return { file, line: lineNo, reason: 'key is not base64' }
  }
  const key = Buffer.from(b64, 'base64')
  if (keyTypeOf(key) !== keyType) {
    return { file, line: lineNo, reason: `key blob does not hold a ${keyType} key` }
  }
  if (hosts.startsWith('|') && !/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+$/.test(hosts)) {
    return { file, line: lineNo, reason: 'bad hashed host entry (expected |1|salt|hash)' }
  }
  return { file, line: lineNo, marker, hosts, keyType, key }
}

/** Reads known_hosts files; a missing file is empty, an unreadable one is a problem. */
export async function loadKnownHosts(files: readonly string[]): Promise<KnownHostsData> {
  const entries: KnownHostEntry[] = []
  const problems: KnownHostsProblem[] = []
  for (const file of files) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
      problems.push({ file, line: 0, reason: (err as Error).message })
      continue
    }
    const data = parseKnownHosts(text, file)
    entries.push(...data.entries)
    problems.push(...data.problems)
  }
  return { entries, problems }
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('')
  return new RegExp(`^${body}$`, 'i')
}

function hashedMatches(token: string, name: string): boolean {
  const [, , salt, hash] = token.split('|')
  if (salt === undefined || hash === undefined) return false
  const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64')
  return mac === hash
}

/**
 * Whether a host field matches `name` (from `knownHostName`): hashed tokens by HMAC, plain
 * patterns by glob, and any matching `!pattern` vetoes the line (OpenSSH match.c).
 */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|')) return hashedMatches(hosts, name)
  let matched = false
  for (const pat of hosts.split(',')) {
    if (pat.startsWith('!')) {
      if (globToRegExp(pat.slice(1)).test(name)) return false
    } else if (globToRegExp(pat).test(name)) matched = true
  }
  return matched
}

/**
 * Checks a presented key against known entries for `host`/`port`.
 * Order (OpenSSH sshconnect.c `check_host_key`, hostfile.c `check_hostkeys_by_key_or_type`): a
 * `@revoked` line holding this key wins; then a plain line with the same key → match; then any
 * other key on record for this host → changed, whatever its type (OpenSSH 9.2 refuses an ECDSA
 * key from a host it knows by ed25519: "REMOTE HOST IDENTIFICATION HAS CHANGED", "Offending
 * ED25519 key"); a line of the offered type is named first. Unknown only with no key on record.
 */
export function checkHostKey(
  data: KnownHostsData,
  host: string,
  port: number,
  keyBlob: Buffer,
): HostKeyCheck {
  const name = knownHostName(host, port)
  const type = keyTypeOf(keyBlob)
  const revoked = data.entries.find(
    (e) => e.marker === 'revoked' && e.key.equals(keyBlob) && hostFieldMatches(e.hosts, name),
  )
  if (revoked) return { status: 'revoked', location: `${revoked.file}:${revoked.line}` }
  const mine = data.entries.filter((e) => e.marker === null && hostFieldMatches(e.hosts, name))
  const same = mine.find((e) => e.key.equals(keyBlob))
  if (same) return { status: 'match', location: `${same.file}:${same.line}` }
  const other = mine.find((e) => e.keyType === type) ?? mine[0]
  if (other) {
    return {
      status: 'changed',
      knownFingerprint: fingerprintSha256(other.key),
      knownKeyType: other.keyType,
      location: `${other.file}:${other.line}`,
    }
  }
  return { status: 'unknown', knownTypes: [...new Set(mine.map((e) => e.keyType))] }
}

/** One known_hosts line for `host`/`port`; hashed (`|1|salt|hash`) when `hash` is set. */
export function formatKnownHostLine(
  host: string,
  port: number,
  keyBlob: Buffer,
  hash: boolean,
): string {
  const name = knownHostName(host, port)
  let field = name
  if (hash) {
    const salt = randomBytes(20)
    const mac = createHmac('sha1', salt).update(name).digest('base64')
    field = `|1|${salt.toString('base64')}|${mac}`
  }
  return `${field} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}`
}

/**
 * Appends a host key to `file` (created 0600, parent directory 0700, as OpenSSH does).
 * Raises the fs error (ENOSPC, EACCES) as is; callers wrap it.
 */
export async function addKnownHost(
  file: string,
  host: string,
  port: number,
  keyBlob: Buffer,
  options: { hash?: boolean } = {},
): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 })
  let prefix = ''
  try {
    const existing = await readFile(file, 'utf8')
    if (existing.length > 0 && !existing.endsWith('\n')) prefix = '\n'
  } catch {
    // missing file: appendFile creates it
  }
  const line = formatKnownHostLine(host, port, keyBlob, options.hash ?? true)
  await appendFile(file, `${prefix}${line}\n`, { mode: 0o600 })
}
