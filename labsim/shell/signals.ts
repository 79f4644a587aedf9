/** `exit N` unwinds to the script's top level. */
export class ExitSignal {
  constructor(readonly code: number) {}
}

/** `break`/`continue` unwind to the nearest loop. */
export class LoopSignal {
  constructor(readonly kind: 'break' | 'continue') {}
}

/** True for the error every interrupted wait rejects with (`name === 'AbortError'`). */
export function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError'
}

/** A new AbortError. */
export function abortErr(): Error {
  const error = new Error('aborted')
  error.name = 'AbortError'
  return error
}
