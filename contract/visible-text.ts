/**
 * Text from a host (interface names, devlink handles, command output, error messages quoting
 * them) made safe to show on a terminal or in a UI: every character that a terminal would act on
 * instead of print is written as an escape. Linux accepts any byte but `/`, `:`, NUL and
 * whitespace in a netdev name (net/core/dev.c `dev_valid_name`), so `\e[9A\e[J` is a valid name
 * that would otherwise erase nine lines of the engineer's terminal.
 *
 * - ESC (0x1b) becomes `\e`; `\n`, `\r`, `\t` their C escapes; other C0 controls and DEL `\xNN`;
 * - C1 controls (U+0080–U+009F; U+009B is an 8-bit CSI) become `\u00NN`;
 * - bidirectional and line/paragraph-separator controls (U+200E/F, U+202A–U+202E,
 *   U+2066–U+2069, U+2028/9) become `\uNNNN`, so a name cannot reorder the text around it;
 * - a backslash becomes `\\`, so an escape in the output always means an escaped character.
 *
 * With `multiline`, `\n` and `\t` are kept (messages and command output); everything else is
 * escaped the same way.
 */

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\\\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g
const NAMED: Record<string, string> = {
  '\\': '\\\\',
  '\x1b': '\\e',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
}

function escapeOne(c: string): string {
  const named = NAMED[c]
  if (named !== undefined) return named
  const code = c.charCodeAt(0)
  if (code < 0x80) return `\\x${code.toString(16).padStart(2, '0')}`
  return `\\u${code.toString(16).padStart(4, '0')}`
}

/** `text` with terminal controls escaped (see the module doc); `multiline` keeps `\n`, `\t`. */
export function visibleText(text: string, options: { multiline?: boolean } = {}): string {
  return text.replace(UNSAFE, (c) =>
    options.multiline && (c === '\n' || c === '\t') ? c : escapeOne(c),
  )
}

/** True when `visibleText(text)` would change `text` (it holds a control or a backslash). */
export function hasControls(text: string): boolean {
  UNSAFE.lastIndex = 0
  return UNSAFE.test(text)
}
