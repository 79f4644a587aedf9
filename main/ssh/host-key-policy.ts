import { homedir } from 'node:os'
import { join } from 'node:path'
import type { LabError } from '../../contract/errors'
import { sshError } from './errors'
import {
  addKnownHost,
  checkHostKey,
  fingerprintSha256,
  hostFieldMatches,
  keyTypeOf,
  knownHostName,
  loadKnownHosts,
} from './known-hosts'
import type { KnownHostsProblem } from './known-hosts'

/**
 * Host-key policy: what happens with a key that is not on record. A changed or revoked key is
 * always a hard refusal; there is no off switch.
 */

/** The question asked to the UI on first use. Fingerprint as OpenSSH prints it. */
export interface HostKeyQuestion {
  /** `user@host:port` of the hop being verified (the target or a jump host). */
  readonly hop: string
  readonly host: string
  readonly port: number
  readonly keyType: string
  readonly fingerprint: string
  /** Key types already on record for this host (a different type was offered). */
  readonly knownTypes: readonly string[]
}

/**
 * The UI's answer: `trust` records the key in replab's known_hosts, `once` goes on without
 * recording, `reject` refuses with `ssh-hostkey-unknown`.
 */
export type HostKeyAnswer = 'trust' | 'once' | 'reject'

/** Async first-use prompt answered by the UI. */
export type HostKeyPromptFn = (question: HostKeyQuestion) => Promise<HostKeyAnswer>

/**
 * `strict`: refuse unknown keys (`ssh-hostkey-unknown`); `accept-new`: record and go on (like
 * OpenSSH StrictHostKeyChecking=accept-new); a function: ask.
 */
export type HostKeyPolicy = 'strict' | 'accept-new' | HostKeyPromptFn

/** Which known_hosts files replab reads and writes. */
export interface KnownHostsConfig {
  /** replab's own known_hosts (read and written). */
  readonly file: string
  /** The user's file, read too; default `~/.ssh/known_hosts`; `null` to ignore it. */
  readonly userFile?: string | null
  /** Record new keys in `userFile` as well (opt-in). Default false. */
  readonly writeUserFile?: boolean
  /** Write hashed entries (`|1|…`), as Debian's HashKnownHosts yes. Default true. */
  readonly hash?: boolean
  /** Receives unparsable lines (file:line + reason); they are skipped, never fatal. */
  readonly onProblem?: (problem: KnownHostsProblem) => void
  /** Told about every changed or revoked key before the refusal is raised (the UI shows it). */
  readonly onRefused?: (refusal: HostKeyRefusal) => void
}

/** A refused host key: what was offered and, for `changed`, what is on record and where. */
export interface HostKeyRefusal {
  readonly status: 'changed' | 'revoked'
  readonly hop: string
  readonly host: string
  readonly port: number
  readonly keyType: string
  readonly fingerprint: string
  readonly knownKeyType?: string
  readonly knownFingerprint?: string
  /** known_hosts `file:line` holding the revoked or the recorded key. */
  readonly location: string
}

/** The default user file, `~/.ssh/known_hosts`. */
export function defaultUserKnownHosts(): string {
  return join(homedir(), '.ssh', 'known_hosts')
}

/** ssh2's host key algorithms, most preferred first (ssh2 lib/protocol/constants.js). */
const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
] as const

/** A host key algorithm ssh2 can negotiate. */
export type HostKeyAlgorithm = (typeof HOST_KEY_ALGORITHMS)[number]

function algorithmsOf(keyType: string): HostKeyAlgorithm[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']
  return HOST_KEY_ALGORITHMS.filter((a) => a === keyType)
}

/**
 * Host key algorithms ordered so that types already on record for `host`/`port` come first, as
 * OpenSSH does (sshconnect2.c `order_hostkeyalgs`): a host known by its RSA key is not reported
 * as "unknown" just because it also offers ed25519.
 */
export async function preferredHostKeyAlgorithms(
  hop: { readonly host: string; readonly port: number },
  config: KnownHostsConfig,
): Promise<HostKeyAlgorithm[]> {
  const userFile = config.userFile === undefined ? defaultUserKnownHosts() : config.userFile
  const data = await loadKnownHosts(userFile === null ? [config.file] : [config.file, userFile])
  const name = knownHostName(hop.host, hop.port)
  const known = data.entries.filter((e) => e.marker === null && hostFieldMatches(e.hosts, name))
  const first = [...new Set(known.flatMap((e) => algorithmsOf(e.keyType)))]
  return [...first, ...HOST_KEY_ALGORITHMS.filter((a) => !first.includes(a))]
}

/** The hop being verified. */
export interface HopIdentity {
  readonly label: string
  readonly host: string
  readonly port: number
}

/**
 * Verifies `keyBlob` for `hop`. Resolves when the key may be used (and records it when the
 * policy says so); rejects with `ssh-hostkey-unknown`, `ssh-hostkey-changed` (both
 * fingerprints and the known_hosts file:line) or `ssh-hostkey-revoked`.
 */
export async function verifyHostKey(
  hop: HopIdentity,
  keyBlob: Buffer,
  config: KnownHostsConfig,
  policy: HostKeyPolicy,
): Promise<void> {
  const userFile = config.userFile === undefined ? defaultUserKnownHosts() : config.userFile
  const files = userFile === null ? [config.file] : [config.file, userFile]
  const data = await loadKnownHosts(files)
  for (const p of data.problems) config.onProblem?.(p)
  const fp = fingerprintSha256(keyBlob)
  const keyType = keyTypeOf(keyBlob)
  const check = checkHostKey(data, hop.host, hop.port, keyBlob)
  const seen = { hop: hop.label, host: hop.host, port: hop.port, keyType, fingerprint: fp }
  switch (check.status) {
    case 'match':
      return
    case 'revoked':
      config.onRefused?.({ ...seen, status: 'revoked', location: check.location })
      throw sshError(
        'ssh-hostkey-revoked',
        hop.label,
        `host key ${keyType} ${fp} is marked @revoked in ${check.location}; refusing to connect`,
      )
    case 'changed':
      config.onRefused?.({
        ...seen,
        status: 'changed',
        knownKeyType: check.knownKeyType,
        knownFingerprint: check.knownFingerprint,
        location: check.location,
      })
      throw sshError(
        'ssh-hostkey-changed',
        hop.label,
        `REMOTE HOST IDENTIFICATION HAS CHANGED: server offers ${keyType} ${fp}, ` +
          `but ${check.location} holds ${check.knownKeyType} ${check.knownFingerprint} ` +
          `(offending ${check.knownKeyType} key). Refusing to connect, even with accept-new; ` +
          `if the change is expected, remove that line (ssh-keygen -R)`,
        { detail: check.location },
      )
    case 'unknown':
      return handleUnknown(
        hop,
        keyBlob,
        { fp, keyType, knownTypes: check.knownTypes },
        config,
        policy,
        userFile,
      )
  }
}

async function handleUnknown(
  hop: HopIdentity,
  keyBlob: Buffer,
  info: { fp: string; keyType: string; knownTypes: readonly string[] },
  config: KnownHostsConfig,
  policy: HostKeyPolicy,
  userFile: string | null,
): Promise<void> {
  let answer: HostKeyAnswer
  if (policy === 'strict') answer = 'reject'
  else if (policy === 'accept-new') answer = 'trust'
  else {
    answer = await policy({
      hop: hop.label,
      host: hop.host,
      port: hop.port,
      keyType: info.keyType,
      fingerprint: info.fp,
      knownTypes: info.knownTypes,
    })
  }
  if (answer === 'reject') throw unknownKeyError(hop, info.keyType, info.fp)
  if (answer === 'once') return
  const hash = config.hash ?? true
  await addKnownHost(config.file, hop.host, hop.port, keyBlob, { hash })
  if (config.writeUserFile && userFile !== null) {
    await addKnownHost(userFile, hop.host, hop.port, keyBlob, { hash })
  }
}

function unknownKeyError(hop: HopIdentity, keyType: string, fp: string): LabError {
  return sshError(
    'ssh-hostkey-unknown',
    hop.label,
    `host key for ${hop.host} port ${hop.port} is not known: ${keyType} ${fp}. ` +
      `Check the fingerprint and connect with --accept-new (or accept it in the UI) to trust it`,
  )
}
