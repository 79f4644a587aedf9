import { labError } from '../../contract'
import type { Handlers } from '../../main/service/dispatcher'

type Partial2<T> = { [D in keyof T]?: Partial<T[D]> }

/**
 * A full `Handlers` table for front-door tests: the given handlers, and every other call
 * answering `unsupported` (a typed error, so the transport path is still exercised).
 */
export function stubHandlers(overrides: Partial2<Handlers> = {}): Handlers {
  const domain = (name: string) =>
    new Proxy(
      {},
      {
        get: (_t, verb: string) =>
          (overrides as Record<string, Record<string, unknown>>)[name]?.[verb] ??
          (async () => {
            throw labError('unsupported', `${name}.${verb} is not served by this test`)
          }),
      },
    )
  return new Proxy({}, { get: (_t, name: string) => domain(name) }) as Handlers
}
