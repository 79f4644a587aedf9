import type { z } from 'zod'

import {
  calls,
  labError,
  toErrorData,
  type CallDef,
  type Calls,
  type IpcResult,
} from '../../contract'

/** Where a call comes from: one front-door session (a window or a WebSocket). */
export interface CallContext {
  /** Stable id of the session, e.g. `ws-3` or `ipc-1`. */
  readonly sessionId: string
  /** Aborted when the session closes. */
  readonly signal: AbortSignal
}

/** The back-end function for one call: request already validated, response validated after. */
export type Handler<D> =
  D extends CallDef<infer Req, infer Res>
    ? (request: z.output<Req>, context: CallContext) => Promise<z.input<Res>>
    : never

/** One handler per call of contract/api.ts, grouped the same way. */
export type Handlers = { [D in keyof Calls]: { [V in keyof Calls[D]]: Handler<Calls[D][V]> } }

/**
 * Validates and routes calls by channel for both front doors.
 *
 * Never throws: an unknown channel or a request that fails its schema answers
 * `invalid-request`; a handler's `LabError` becomes its data; anything else becomes `internal`.
 * A response that fails its own schema is a back-end bug and answers `internal`.
 */
export class Dispatcher {
  private readonly routes = new Map<
    string,
    { def: CallDef; fn: (req: unknown, ctx: CallContext) => Promise<unknown> }
  >()

  constructor(handlers: Handlers) {
    for (const [domain, verbs] of Object.entries(calls)) {
      for (const [verb, def] of Object.entries(verbs as Record<string, CallDef>)) {
        const fn = (handlers as unknown as Record<string, Record<string, unknown>>)[domain]?.[verb]
        if (typeof fn !== 'function') throw new Error(`no handler for ${def.channel}`)
        this.routes.set(def.channel, {
          def,
          fn: fn as (req: unknown, ctx: CallContext) => Promise<unknown>,
        })
      }
    }
  }

  /** True when the channel names a mutating call (audited, refused on read-only hosts). */
  isMutating(channel: string): boolean {
    return this.routes.get(channel)?.def.mutating ?? false
  }

  /** Runs one call. `raw` is untrusted input straight from the front door. */
  async dispatch(
    channel: unknown,
    raw: unknown,
    context: CallContext,
  ): Promise<IpcResult<unknown>> {
    const route = typeof channel === 'string' ? this.routes.get(channel) : undefined
    if (!route) {
      return fail(
        labError('invalid-request', `unknown call ${JSON.stringify(String(channel)).slice(0, 80)}`),
      )
    }
    const parsed = route.def.request.safeParse(raw)
    if (!parsed.success) {
      const detail = parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')
      return fail(
        labError('invalid-request', `${route.def.channel}: invalid request`, {
          detail: detail.slice(0, 2000),
        }),
      )
    }
    try {
      const value = await route.fn(parsed.data, context)
      const checked = route.def.response.safeParse(value)
      if (!checked.success) {
        return fail(
          labError('internal', `${route.def.channel}: back end answered an invalid response`, {
            detail: checked.error.message.slice(0, 2000),
          }),
        )
      }
      return { ok: true, value: checked.data }
    } catch (err) {
      return { ok: false, error: toErrorData(err) }
    }
  }
}

function fail(err: ReturnType<typeof labError>): IpcResult<never> {
  return { ok: false, error: err.data }
}
