import { randomNonce } from './discovery-script'
import type { ExecResult, ReadAfter } from './ports'

/**
 * One exec that runs a command and then a read (`ExecOptions.readAfter`): the verifying read of
 * an operation travels with its last command, so seeing the outcome costs no second round trip
 * (issue 19 item 1). The exec is
 *
 * ```
 * {
 * <command>
 * } </dev/null
 * __replab_rc=$?
 * read -r __replab_sep
 * printf '\n%s %s\n' "$__replab_sep" "$__replab_rc"
 * {
 * <read script>
 * } 2>/dev/null
 * ```
 *
 * with stdin `<separator>\n<read stdin>`. The command runs in the exec's own shell (a `cd` or a
 * variable it sets is its own business, as with a plain exec), with stdin from /dev/null so it
 * cannot eat the read's stdin. The separator line (`@@replab-<nonce>-rc <exit code>`) splits
 * the output: everything before its leading newline is the command's stdout, byte for byte
 * (that newline is always printed, so a command output with or without a trailing newline is
 * kept as it was). The nonce reaches the shell on stdin only, so neither the command's output
 * nor host data can forge it, and the exec's text is the same for the same command and read.
 * The read's stderr is discarded: the exec's stderr is the command's. A command that ends the
 * shell (`exit`, `exec`, a signal) prints no separator: the exec's result is the command's,
 * with no `after`.
 */

/** A fused exec: its text, its stdin, and the separator prefix that splits its stdout. */
export interface FusedExec {
  readonly command: string
  readonly stdin: string
  /** `\n@@replab-<nonce>-rc ` (the leading newline included). */
  readonly separator: string
}

/** Builds the fused exec of `command` then `read` (see the module comment). */
export function fuseReadAfter(command: string, read: ReadAfter, nonce = randomNonce()): FusedExec {
  const tag = `@@replab-${nonce}-rc`
  const text = [
    '{',
    command,
    '} </dev/null',
    '__replab_rc=$?',
    'read -r __replab_sep',
    `printf '\\n%s %s\\n' "$__replab_sep" "$__replab_rc"`,
    '{',
    read.script.replace(/\n$/, ''),
    '} 2>/dev/null',
    '',
  ].join('\n')
  return { command: text, stdin: `${tag}\n${read.stdin}`, separator: `\n${tag} ` }
}

/**
 * Finds when the separator arrives on a stream of stdout chunks (it may straddle two): `feed`
 * each chunk as it comes; `at` is the `performance.now()` of the chunk that completed it.
 */
export class SeparatorWatch {
  private tail = ''
  /** `performance.now()` when the separator was seen, ms; undefined until then. */
  at: number | undefined

  constructor(private readonly separator: string) {}

  /** Looks for the separator in `chunk` and the end of the chunks before it. */
  feed(chunk: string): void {
    if (this.at !== undefined) return
    const text = this.tail + chunk
    if (text.includes(this.separator)) this.at = performance.now()
    else this.tail = text.slice(-this.separator.length)
  }
}

/**
 * Splits a fused exec's result: the command's stdout, exit code and duration (until the
 * separator arrived, `separatorAt`; the whole exec when unknown), and the read's stdout as
 * `after` with the rest of the time. Without a well-formed separator line (the command ended
 * the shell) the result is the exec's as it came, with no `after`. `started` is the exec's
 * `performance.now()` at issue, ms.
 */
export function splitReadAfter(
  raw: ExecResult,
  fused: FusedExec,
  started: number,
  separatorAt: number | undefined,
): ExecResult {
  const at = raw.stdout.indexOf(fused.separator)
  if (at < 0) return raw
  const codeStart = at + fused.separator.length
  const lineEnd = raw.stdout.indexOf('\n', codeStart)
  const codeText = raw.stdout.slice(codeStart, lineEnd < 0 ? undefined : lineEnd)
  if (lineEnd < 0 || !/^\d{1,3}$/.test(codeText)) return raw
  const commandMs = separatorAt === undefined ? raw.durationMs : separatorAt - started
  return {
    stdout: raw.stdout.slice(0, at),
    stderr: raw.stderr,
    code: Number(codeText),
    signal: null,
    durationMs: commandMs,
    after: { stdout: raw.stdout.slice(lineEnd + 1), durationMs: raw.durationMs - commandMs },
  }
}
