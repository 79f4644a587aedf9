import { z } from 'zod'

/**
 * Every error code that crosses the contract. Modelled on ssh2's `err.level` vocabulary
 * (lib/client.js) plus the engine's own failures.
 */
export const LabErrorCode = z.enum([
  'invalid-request',
  'not-found',
  'ssh-connect',
  'ssh-auth',
  'ssh-hostkey-unknown',
  'ssh-hostkey-changed',
  'ssh-hostkey-revoked',
  'ssh-timeout',
  'channel-open-failed',
  'command-failed',
  'parse-error',
  'precondition-failed',
  'postcondition-failed',
  /** The device settled in a state other than the operation's expected one (issue 16 item 5). */
  'postcondition-mismatch',
  'host-busy',
  /** A drill would disturb VFs in use (passthrough driver, or up with addresses); see `force`. */
  'in-use',
  'read-only',
  'unsupported',
  'timeout',
  'aborted',
  'io-error',
  /** The connected host is not the one a journal recorded (key, target or boot id differ). */
  'host-mismatch',
  /** A per-session or per-host resource cap was reached (e.g. terminal panes per session). */
  'limit-exceeded',
  'internal',
])
export type LabErrorCode = z.infer<typeof LabErrorCode>

/**
 * The serialisable form of an error: what handlers answer instead of throwing.
 *
 * `host` is `user@host:port` where a host is involved; `command` is the exact remote command;
 * `device` a devlink handle or BDF.
 */
export const LabErrorData = z.object({
  code: LabErrorCode,
  message: z.string(),
  detail: z.string().optional(),
  host: z.string().optional(),
  device: z.string().optional(),
  command: z.string().optional(),
})
export type LabErrorData = z.infer<typeof LabErrorData>

/** Result envelope of every call: errors are data, exceptions are bugs. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: LabErrorData }

/**
 * A typed error thrown inside the back end and the renderer's `unwrap`.
 *
 * The message always names what failed; `data` is what crosses the contract.
 */
export class LabError extends Error {
  readonly code: LabErrorCode
  readonly data: LabErrorData

  constructor(data: LabErrorData, options?: { cause?: unknown }) {
    super(data.message, options)
    this.name = 'LabError'
    this.code = data.code
    this.data = data
  }
}

/** Builds a `LabError` from a code and a message with optional context fields. */
export function labError(
  code: LabErrorCode,
  message: string,
  context: Omit<LabErrorData, 'code' | 'message'> = {},
  cause?: unknown,
): LabError {
  return new LabError({ code, message, ...context }, cause === undefined ? undefined : { cause })
}

/** Converts anything thrown into `LabErrorData`; unknown throwables become `internal`. */
export function toErrorData(err: unknown): LabErrorData {
  if (err instanceof LabError) return err.data
  if (err instanceof Error && err.name === 'AbortError') {
    return { code: 'aborted', message: err.message || 'aborted' }
  }
  const message = err instanceof Error ? err.message : String(err)
  return { code: 'internal', message }
}

/** Exhaustiveness guard for discriminated unions: a compile error when a case is missed. */
export function assertNever(value: never, what: string): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`)
}
