import { iprouteJson } from './json-writer'

/**
 * iproute2 6.1 output conventions for devlink (devlink/devlink.c, lib/json_writer.c):
 * `-j` prints one compact object per command with a trailing newline, `-p` pretty-prints
 * with 4-space indentation; text mode prints `key value` pairs.
 */
export function jsonOut(value: unknown, pretty: boolean): string {
  return `${pretty ? iprouteJson(value, 4) : iprouteJson(value)}\n`
}

/** Text form of a devlink port line: `<handle>: type eth netdev X flavour pcivf …`. */
export function portText(handle: string, attrs: Record<string, unknown>): string {
  const parts: string[] = []
  let fn = ''
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'function' && value && typeof value === 'object') {
      const f = Object.entries(value as Record<string, unknown>).map(
        ([k, v]) => `${k} ${String(v)}`,
      )
      fn = `\n  function:\n    ${f.join(' ')}`
      continue
    }
    parts.push(`${key} ${String(value)}`)
  }
  return `${handle}: ${parts.join(' ')}${fn}\n`
}

/** Text form of a reporter: `  reporter fw\n    state healthy error 0 …`. */
export function reporterText(r: Record<string, unknown>): string {
  const rest = Object.entries(r)
    .filter(([k]) => k !== 'reporter')
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(' ')
  return `  reporter ${String(r.reporter)}\n    ${rest}\n`
}

function isByteArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number')
}

/** Text form of a devlink fmsg object (health diagnose / dump show). */
export function fmsgText(obj: Record<string, unknown>, indent = 0): string {
  const pad = ' '.repeat(indent)
  let inline = ''
  let blocks = ''
  for (const [key, value] of Object.entries(obj)) {
    if (isByteArray(value)) {
      const lines: string[] = []
      for (let i = 0; i < value.length; i += 16) {
        lines.push(
          `${pad}    ${value
            .slice(i, i + 16)
            .map((b) => b.toString(16).padStart(2, '0'))
            .join(' ')} `,
        )
      }
      blocks += `${pad}  ${key}:\n${lines.join('\n')}\n`
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      blocks += `${pad}  ${key}:\n${fmsgText(value as Record<string, unknown>, indent + 2)}`
    } else if (Array.isArray(value)) {
      blocks += `${pad}  ${key}:\n`
      for (const item of value)
        blocks +=
          typeof item === 'object' && item
            ? fmsgText(item as Record<string, unknown>, indent + 2)
            : `${pad}    ${String(item)}\n`
    } else inline += ` ${key}: ${String(value)}`
  }
  const head = indent > 0 ? `${pad}  ${inline.trimStart()}` : inline
  return `${inline ? `${head}\n` : ''}${blocks}`
}

/** `YYYY-MM-DD` and `HH:MM:SS` of a dump time, as devlink prints `last_dump_date/time`. */
export function dumpDateTime(date: Date): { last_dump_date: string; last_dump_time: string } {
  const iso = date.toISOString()
  return { last_dump_date: iso.slice(0, 10), last_dump_time: iso.slice(11, 19) }
}
