import { parse } from 'shell-quote'

import { HOSTILE, HOSTILE_MARKERS } from './fault-hostile'

/** One offending command: the command (cut to 300 chars) and why it fails the check. */
export interface ShellLeak {
  readonly command: string
  readonly reason: string
}

/**
 * Checks commands a host received (labsim `commandLog`) for hostile values that reached the
 * shell unquoted. Each command is parsed with shell-quote's `parse` (POSIX word splitting,
 * quotes, operators; `$VAR` kept literal); a hostile value may appear only as one whole literal
 * word, and a hostile marker (`reboot`, `pwned`, …) only inside such a word. shell-quote does not
 * model `$(…)`, backticks or `$NAME` expansion, so a small POSIX quote scanner also rejects any
 * marker inside an expansion the shell would perform (unquoted or within double quotes).
 *
 * Returns the offending commands (empty when clean); never throws on odd input.
 */
export function findShellLeaks(
  commands: readonly string[],
  values: readonly string[] = HOSTILE,
  markers: readonly string[] = HOSTILE_MARKERS,
): ShellLeak[] {
  const leaks: ShellLeak[] = []
  for (const command of commands) {
    const reason = leakIn(command, values, markers)
    if (reason) leaks.push({ command: command.slice(0, 300), reason })
  }
  return leaks
}

function leakIn(
  command: string,
  values: readonly string[],
  markers: readonly string[],
): string | null {
  const expansion = activeExpansions(command).find((e) => markers.some((m) => e.includes(m)))
  if (expansion !== undefined) return `shell expands ${JSON.stringify(expansion.slice(0, 60))}`
  let words: string[]
  try {
    words = parse(command, (name) => `$${name}`).filter((t): t is string => typeof t === 'string')
  } catch (err) {
    return `unparsable: ${(err as Error).message}`
  }
  for (const v of values) {
    const partial = words.find((w) => !values.includes(w) && v.length >= 2 && w.includes(v))
    if (partial !== undefined)
      return `hostile value ${JSON.stringify(v.slice(0, 40))} inside word ${JSON.stringify(partial.slice(0, 80))}`
  }
  for (const m of markers) {
    if (!command.includes(m)) continue
    const literal = words.some((w) => values.includes(w) && w.includes(m))
    if (!literal) return `marker ${JSON.stringify(m)} outside a literal hostile word`
  }
  return null
}

/** Text of each `$…` / backtick expansion outside single quotes and not backslash-escaped. */
function activeExpansions(command: string): string[] {
  const out: string[] = []
  let state: 'none' | 'single' | 'double' = 'none'
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!
    if (state === 'single') {
      if (c === "'") state = 'none'
      continue
    }
    if (c === '\\') {
      i++
      continue
    }
    if (c === "'" && state === 'none') state = 'single'
    else if (c === '"') state = state === 'double' ? 'none' : 'double'
    else if (c === '`' || (c === '$' && /[({A-Za-z0-9_@*#?$!-]/.test(command[i + 1] ?? ''))) {
      out.push(command.slice(i, i + 64))
    }
  }
  return out
}
