/**
 * JSON as iproute2's `lib/json_writer.c` prints it (ip, devlink and rdma share it): strings
 * escape only `"`, `\`, `\b`, `\f`, `\n`, `\r` and `\t` (`jsonw_puts`); every other byte,
 * control characters included, is printed raw. So an interface named `a\e[2Kb` makes
 * `ip -j link show` print an ESC byte inside a JSON string, which is not valid JSON
 * (test/fixtures/hostile/ip_j_d_link_show_ctrl_names.txt, captured from iproute2 6.1).
 */

/** `JSON.stringify(value, null, indent)` with C0 controls other than \b\f\n\r\t left raw. */
export function iprouteJson(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, null, indent)
  // JSON.stringify writes \b \f \n \r \t by name and the other C0 controls as \u00XX;
  // those go back to raw bytes. A `\\` before the `u` is an escaped backslash, kept as is.
  return text.replace(
    /(?<!\\)((?:\\\\)*)\\u00([01][0-9a-f])/g,
    (_m, pre: string, hex: string) => `${pre}${String.fromCharCode(parseInt(hex, 16))}`,
  )
}
