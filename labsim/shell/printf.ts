import { ansiC } from './expand'

/**
 * printf(1) formatting: `%s %b %c %d %i %u %x %X %o %%` with flags, width and precision;
 * the format is reused while arguments remain (POSIX printf, as coreutils/dash do).
 */
export function formatPrintf(format: string, args: readonly string[]): string {
  const fmt = ansiC(format.replace(/\\'/g, "\\\\'"))
  let out = ''
  let index = 0
  let first = true
  while (first || index < args.length) {
    let consumed = false
    out += fmt.replace(
      /%([-+ #0]*)(\d+|\*)?(?:\.(\d+))?([sbcdiuxXo%])/g,
      (
        _m,
        flags: string,
        width: string | undefined,
        precision: string | undefined,
        conv: string,
      ) => {
        if (conv === '%') return '%'
        let w = width
        if (w === '*') {
          w = args[index++] ?? '0'
          consumed = true
        }
        const arg = args[index++]
        if (arg !== undefined) consumed = true
        return pad(convert(conv, arg ?? '', precision), flags, w)
      },
    )
    first = false
    if (!consumed) break
  }
  return out
}

function convert(conv: string, arg: string, precision: string | undefined): string {
  switch (conv) {
    case 's':
      return precision === undefined ? arg : arg.slice(0, Number(precision))
    case 'b':
      return ansiC(arg)
    case 'c':
      return arg.slice(0, 1)
    case 'x':
      return toInt(arg).toString(16)
    case 'X':
      return toInt(arg).toString(16).toUpperCase()
    case 'o':
      return toInt(arg).toString(8)
    default:
      return String(toInt(arg))
  }
}

function toInt(arg: string): number {
  if (arg.trim() === '') return 0
  const text = arg.trim()
  const value = /^0x/i.test(text) ? parseInt(text, 16) : parseInt(text, 10)
  return Number.isNaN(value) ? 0 : value
}

function pad(text: string, flags: string, width: string | undefined): string {
  const w = Number(width ?? 0)
  if (text.length >= w) return text
  if (flags.includes('-')) return text.padEnd(w, ' ')
  if (flags.includes('0') && /^-?\d+$/.test(text)) return text.padStart(w, '0')
  return text.padStart(w, ' ')
}
