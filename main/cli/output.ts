import { visibleText } from '../../contract'

/**
 * Everything the CLI prints for a person goes through here: host-supplied text (interface
 * names, handles, command output, error messages quoting them) is escaped with `visibleText`
 * (`\e` for ESC, `\xNN`/`\u00NN` for other controls) so it cannot move the cursor, erase lines
 * or retitle the terminal. JSON output is printed by `printJson` (JSON.stringify escapes C0).
 */

/** One or more lines on stdout, controls escaped (newlines and tabs kept). */
export function printOut(text: string): void {
  process.stdout.write(`${visibleText(text, { multiline: true })}\n`)
}

/** One or more lines on stderr, controls escaped (newlines and tabs kept). */
export function printErr(text: string): void {
  process.stderr.write(`${visibleText(text, { multiline: true })}\n`)
}

/** Raw text (command output) on stdout with controls escaped; no newline added. */
export function writeOut(text: string): void {
  process.stdout.write(visibleText(text, { multiline: true }))
}

/** Text on stderr with controls escaped; no newline added (progress lines). */
export function writeErr(text: string): void {
  process.stderr.write(visibleText(text, { multiline: true }))
}

/** A value as indented JSON on stdout, for scripts. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}
