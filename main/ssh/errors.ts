import { labError, LabError } from '../../contract/errors'
import type { LabErrorCode } from '../../contract/errors'

/**
 * Typed SSH errors. Every message names `user@host:port` (the `host` field of `LabErrorData`
 * carries the same string) so a lab engineer sees at once which hop failed.
 */

/** `user@host:port` as used in every error message and as `CommandRunner.target`. */
export function targetLabel(t: {
  readonly user: string
  readonly host: string
  readonly port: number
}): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host
  return `${t.user}@${host}:${t.port}`
}

/** Builds a `LabError` whose message starts with the target label. */
export function sshError(
  code: LabErrorCode,
  target: string,
  message: string,
  extra: { detail?: string; command?: string } = {},
  cause?: unknown,
): LabError {
  return labError(code, `${target}: ${message}`, { host: target, ...extra }, cause)
}

/** ssh2 tags its errors with `level` (lib/client.js); this maps the levels we meet. */
interface Ssh2Error extends Error {
  level?: string
  code?: string | number
}

/**
 * Maps an ssh2 client error to a `LabError`: `client-authentication` → `ssh-auth`,
 * `client-timeout` → `ssh-timeout`, everything else (socket, DNS, protocol) → `ssh-connect`.
 * A `LabError` passes through unchanged.
 */
export function classifySsh2Error(err: unknown, target: string): LabError {
  if (err instanceof LabError) return err
  const e = err instanceof Error ? (err as Ssh2Error) : new Error(String(err))
  const level = (e as Ssh2Error).level
  if (level === 'client-authentication') {
    return sshError('ssh-auth', target, `authentication failed (${e.message})`, {}, e)
  }
  if (level === 'client-timeout') {
    return sshError('ssh-timeout', target, e.message, {}, e)
  }
  return sshError('ssh-connect', target, e.message || 'connection failed', {}, e)
}

/** True for failures that a reconnect cannot fix (wrong credentials, host key problems). */
export function isPermanent(err: LabError): boolean {
  return (
    err.code === 'ssh-auth' ||
    err.code === 'ssh-hostkey-unknown' ||
    err.code === 'ssh-hostkey-changed' ||
    err.code === 'ssh-hostkey-revoked'
  )
}
