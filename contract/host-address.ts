/**
 * Host address validation for the inventory: an IPv4 dotted quad, an IPv6 literal, or a DNS
 * name (RFC 1123 labels). Shared by the host form (errors as you type) and the back end (the
 * `HostAddress` schema), so `10.0.0.999` is refused at entry instead of failing at Connect.
 */

const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/

/** Why `value` is not a usable host address, or null when it is. Pure. */
export function hostAddressProblem(value: string): string | null {
  const v = value.trim()
  if (v === '') return 'an address is required'
  if (v.length > 253) return `${v.slice(0, 40)}… is longer than 253 characters`
  if (v.includes(':')) return ipv6Problem(v)
  const labels = v.replace(/\.$/, '').split('.')
  // All-numeric names are IPv4 (no top-level domain is all digits, RFC 3696 §2).
  if (labels.every((l) => /^\d+$/.test(l))) return ipv4Problem(v, labels)
  const bad = labels.find((l) => !LABEL.test(l))
  if (bad !== undefined) {
    return bad === ''
      ? `${v} has an empty label (two dots in a row)`
      : `${v} is not a valid host name: "${bad}" may hold letters, digits and inner hyphens only`
  }
  return null
}

function ipv4Problem(v: string, labels: string[]): string | null {
  if (labels.length !== 4) return `${v} is not a valid IPv4 address (four numbers expected)`
  const big = labels.find((l) => Number(l) > 255 || (l.length > 1 && l.startsWith('0')))
  return big === undefined
    ? null
    : `${v} is not a valid IPv4 address: ${big} is not a number from 0 to 255`
}

function ipv6Problem(v: string): string | null {
  const addr = v.replace(/^\[|\]$/g, '').replace(/%[A-Za-z0-9_.-]+$/, '')
  const fail = `${v} is not a valid IPv6 address`
  if (!/^[0-9A-Fa-f:.]+$/.test(addr) || (addr.match(/::/g) ?? []).length > 1) return fail
  let groups = addr.split(':')
  const last = groups.at(-1) ?? ''
  if (last.includes('.')) {
    if (ipv4Problem(last, last.split('.')) !== null) return fail
    groups = [...groups.slice(0, -1), '0', '0']
  }
  const compressed = addr.includes('::')
  const filled = groups.filter((g) => g !== '')
  if (filled.some((g) => g.length > 4) || filled.some((g) => g.includes('.'))) return fail
  if (compressed ? filled.length > 7 : groups.length !== 8 || filled.length !== 8) return fail
  return null
}
