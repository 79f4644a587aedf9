import { LabError, type IpcResult } from '../../contract/errors'

/**
 * Turns a call's `IpcResult<T>` envelope into its value.
 *
 * Throws a `LabError` carrying the contract's `LabErrorData` when `ok` is false, so TanStack
 * Query's `error` holds a typed code (docs/style.md §3.3 rule 4).
 */
export function unwrap<T>(result: IpcResult<T>): T {
  if (result.ok) return result.value
  throw new LabError(result.error)
}

/** Awaits a call and unwraps it; see `unwrap`. Throws `LabError`. */
export async function call<T>(pending: Promise<IpcResult<T>>): Promise<T> {
  return unwrap(await pending)
}

/** One line naming what failed for a thrown value: code, message and host/device when known. */
export function describeError(err: unknown): string {
  if (err instanceof LabError) {
    const { code, message, host, device, command } = err.data
    const where = [host && `host ${host}`, device && `device ${device}`].filter(Boolean).join(', ')
    return `${code}: ${message}${where ? ` (${where})` : ''}${command ? ` — ${command}` : ''}`
  }
  return err instanceof Error ? err.message : String(err)
}
