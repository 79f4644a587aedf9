import { readAll } from '../shell/streams'
import type { Command, CommandContext } from '../shell/types'
import { cwdOf, fileError, inputLines } from './file-utils'

function splitOptions(
  argv: string[],
  withValue: string,
): { flags: Set<string>; values: Map<string, string>; rest: string[] } {
  const flags = new Set<string>()
  const values = new Map<string, string>()
  const rest: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (!arg.startsWith('-') || arg === '-' || rest.length > 0) {
      rest.push(arg)
      continue
    }
    if (arg === '--') {
      rest.push(...argv.slice(i + 1))
      break
    }
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j] ?? ''
      if (withValue.includes(c)) {
        values.set(c, arg.slice(j + 1) || (argv[++i] ?? ''))
        break
      }
      if (/\d/.test(c)) {
        values.set('n', arg.slice(j))
        break
      }
      flags.add(c)
    }
  }
  return { flags, values, rest }
}

function basicToExtended(pattern: string): string {
  let out = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? ''
    if (c === '\\' && i + 1 < pattern.length) {
      const n = pattern[++i] ?? ''
      out += '(){}|+?'.includes(n) ? n : `\\${n}`
    } else out += '(){}|+?'.includes(c) ? `\\${c}` : c
  }
  return out
}

/** grep(1): -q -v -c -i -E -F -w -x -o -H -h -n -l -e; streams stdin line by line. */
export const grep: Command = async (ctx) => {
  const { flags, values, rest } = splitOptions(ctx.argv.slice(1), 'e')
  const pattern = values.get('e') ?? rest.shift()
  if (pattern === undefined) {
    await ctx.io.stderr.write('Usage: grep [OPTION]... PATTERNS [FILE]...\n')
    return 2
  }
  let source = flags.has('F')
    ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    : flags.has('E')
      ? pattern
      : basicToExtended(pattern)
  if (flags.has('w')) source = `\\b(?:${source})\\b`
  if (flags.has('x')) source = `^(?:${source})$`
  let re: RegExp
  try {
    re = new RegExp(source, flags.has('i') ? 'i' : '')
  } catch {
    // GNU grep: a malformed pattern is a usage error, exit 2 (never a crash of the shell).
    await ctx.io.stderr.write(`grep: Invalid regular expression: ${pattern}\n`)
    return 2
  }
  const files = rest.length > 0 ? rest : ['-']
  const showName = flags.has('H') || (files.length > 1 && !flags.has('h'))
  let matched = 0
  for (const file of files) {
    let count = 0
    let lineNo = 0
    for await (const line of inputLines(ctx, 'grep', [file])) {
      lineNo++
      if (re.test(line) === flags.has('v')) continue
      count++
      matched++
      if (flags.has('q')) return 0
      if (flags.has('c') || flags.has('l')) continue
      const prefix = `${showName ? `${file === '-' ? '(standard input)' : file}:` : ''}${flags.has('n') ? `${lineNo}:` : ''}`
      const text = flags.has('o')
        ? (line.match(new RegExp(re.source, `g${re.flags}`)) ?? []).join(`\n${prefix}`)
        : line
      await ctx.io.stdout.write(`${prefix}${text}\n`)
    }
    if (flags.has('c')) await ctx.io.stdout.write(`${showName ? `${file}:` : ''}${count}\n`)
    if (flags.has('l') && count > 0) await ctx.io.stdout.write(`${file}\n`)
  }
  return matched > 0 ? 0 : 1
}

/** head(1): -n N / -N (lines), -c N (bytes); stops reading once satisfied. */
export const head: Command = async (ctx) => {
  const { values, rest } = splitOptions(ctx.argv.slice(1), 'nc')
  if (values.has('c')) {
    const count = Number(values.get('c'))
    const text = await collect(ctx, rest, count)
    await ctx.io.stdout.write(text.slice(0, count))
    return 0
  }
  let n = Number(values.get('n') ?? 10)
  if (n <= 0) return 0
  for await (const line of inputLines(ctx, 'head', rest)) {
    await ctx.io.stdout.write(`${line}\n`)
    if (--n <= 0) break
  }
  return 0
}

async function collectLines(ctx: CommandContext, tool: string, files: string[]): Promise<string[]> {
  const lines: string[] = []
  for await (const line of inputLines(ctx, tool, files)) lines.push(line)
  return lines
}

/** `head -c`'s input: stdin is read only until `count` characters arrived (`yes | head -c 5`). */
async function collect(ctx: CommandContext, files: string[], count: number): Promise<string> {
  if (files.length > 0 && files[0] !== '-') return rawInput(ctx, 'head', files)
  let text = ''
  while (text.length < count) {
    const chunk = await ctx.io.stdin.read(ctx.signal)
    if (chunk === null) break
    text += chunk
  }
  return text
}

/** Whole input bytes (files or stdin), without line normalisation (`wc -c`, `head -c`). */
async function rawInput(ctx: CommandContext, tool: string, files: string[]): Promise<string> {
  if (files.length === 0 || files[0] === '-') return readAll(ctx.io.stdin, ctx.signal)
  let text = ''
  for (const file of files) {
    try {
      text += await ctx.sys.vfs.read(file, cwdOf(ctx))
    } catch (error) {
      await ctx.io.stderr.write(fileError(tool, file, error))
    }
  }
  return text
}

/** tail(1): -n N / -N / -n +N. */
export const tail: Command = async (ctx) => {
  const { values, rest } = splitOptions(ctx.argv.slice(1), 'n')
  const spec = values.get('n') ?? '10'
  const lines = await collectLines(ctx, 'tail', rest)
  const out = spec.startsWith('+')
    ? lines.slice(Number(spec.slice(1)) - 1)
    : lines.slice(Math.max(0, lines.length - Number(spec)))
  for (const line of out) await ctx.io.stdout.write(`${line}\n`)
  return 0
}

/** wc(1): -l -w -c (all three without options). */
export const wc: Command = async (ctx) => {
  const { flags, rest } = splitOptions(ctx.argv.slice(1), '')
  const text = await rawInput(ctx, 'wc', rest)
  const counts: number[] = []
  const all = !flags.has('l') && !flags.has('w') && !flags.has('c') && !flags.has('m')
  if (all || flags.has('l')) counts.push(text.split('\n').length - 1)
  if (all || flags.has('w')) counts.push(text.split(/\s+/).filter((w) => w !== '').length)
  if (all || flags.has('c') || flags.has('m')) counts.push(Buffer.byteLength(text))
  const body =
    counts.length === 1 ? String(counts[0]) : counts.map((c) => String(c).padStart(7)).join(' ')
  await ctx.io.stdout.write(`${body}${rest.length > 0 ? ` ${rest.join(' ')}` : ''}\n`)
  return 0
}

/** sort(1): -n -r -u -V. */
export const sort: Command = async (ctx) => {
  const { flags, rest } = splitOptions(ctx.argv.slice(1), 'tk')
  let lines = await collectLines(ctx, 'sort', rest)
  const numeric = flags.has('n') || flags.has('V') || flags.has('g')
  lines.sort((a, b) =>
    numeric
      ? parseFloat(a) - parseFloat(b) || (a < b ? -1 : a > b ? 1 : 0)
      : a < b
        ? -1
        : a > b
          ? 1
          : 0,
  )
  if (flags.has('r')) lines.reverse()
  if (flags.has('u')) lines = lines.filter((l, i) => i === 0 || l !== lines[i - 1])
  for (const line of lines) await ctx.io.stdout.write(`${line}\n`)
  return 0
}

/** uniq(1) (-c). */
export const uniq: Command = async (ctx) => {
  const { flags, rest } = splitOptions(ctx.argv.slice(1), '')
  const lines = await collectLines(ctx, 'uniq', rest)
  let i = 0
  while (i < lines.length) {
    let j = i
    while (j < lines.length && lines[j] === lines[i]) j++
    await ctx.io.stdout.write(
      flags.has('c') ? `${String(j - i).padStart(7)} ${lines[i]}\n` : `${lines[i]}\n`,
    )
    i = j
  }
  return 0
}

function expandSet(set: string): string {
  const classes: Record<string, string> = {
    '[:upper:]': 'A-Z',
    '[:lower:]': 'a-z',
    '[:digit:]': '0-9',
    '[:space:]': ' \t\n\r\f\v',
    '[:alpha:]': 'a-zA-Z',
  }
  let text = set
  for (const [k, v] of Object.entries(classes)) text = text.split(k).join(v)
  text = text.replace(/\\n/g, '\n').replace(/\\t/g, '\t')
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? ''
    if (text[i + 1] === '-' && i + 2 < text.length) {
      const end = (text[i + 2] ?? '').charCodeAt(0)
      for (let code = c.charCodeAt(0); code <= end; code++) out += String.fromCharCode(code)
      i += 2
    } else out += c
  }
  return out
}

/** tr(1): translate, `-d` delete, `-s` squeeze. */
export const tr: Command = async (ctx) => {
  const { flags, rest } = splitOptions(ctx.argv.slice(1), '')
  const from = expandSet(rest[0] ?? '')
  const to = expandSet(rest[1] ?? '')
  let text = ''
  for (;;) {
    const chunk = await ctx.io.stdin.read(ctx.signal)
    if (chunk === null) break
    text += chunk
  }
  let out = ''
  for (const c of text) {
    const idx = from.indexOf(c)
    if (idx < 0) out += c
    else if (!flags.has('d')) out += to[Math.min(idx, to.length - 1)] ?? c
  }
  if (flags.has('s')) {
    const squeeze = flags.has('d') ? to : to || from
    out = out.replace(/(.)\1+/gs, (m, c: string) => (squeeze.includes(c) ? c : m))
  }
  await ctx.io.stdout.write(out)
  return 0
}

function parseRanges(spec: string): (n: number) => boolean {
  const ranges = spec.split(',').map((part) => {
    const [a, b] = part.split('-')
    const lo = a === '' || a === undefined ? 1 : Number(a)
    const hi = b === undefined ? lo : b === '' ? Infinity : Number(b)
    return [lo, hi] as const
  })
  return (n) => ranges.some(([lo, hi]) => n >= lo && n <= hi)
}

/** cut(1): -d D -f LIST, -c LIST. */
export const cut: Command = async (ctx) => {
  const { values, rest } = splitOptions(ctx.argv.slice(1), 'dfc')
  const delim = values.get('d') ?? '\t'
  for await (const line of inputLines(ctx, 'cut', rest)) {
    if (values.has('c')) {
      const keep = parseRanges(values.get('c') ?? '1')
      await ctx.io.stdout.write(`${[...line].filter((_c, i) => keep(i + 1)).join('')}\n`)
      continue
    }
    const keep = parseRanges(values.get('f') ?? '1')
    const fields = line.split(delim)
    const out = fields.length === 1 ? line : fields.filter((_f, i) => keep(i + 1)).join(delim)
    await ctx.io.stdout.write(`${out}\n`)
  }
  return 0
}

/** tee(1): copies stdin to stdout and files (`-a` appends). */
export const tee: Command = async (ctx) => {
  const { flags, rest } = splitOptions(ctx.argv.slice(1), '')
  let first = true
  for (;;) {
    const chunk = await ctx.io.stdin.read(ctx.signal)
    if (chunk === null) break
    for (const file of rest) {
      try {
        await ctx.sys.vfs.write(file, chunk, !first || flags.has('a'), cwdOf(ctx))
      } catch (error) {
        await ctx.io.stderr.write(fileError('tee', file, error))
      }
    }
    first = false
    await ctx.io.stdout.write(chunk)
  }
  return 0
}

/** seq(1): `seq LAST`, `seq FIRST LAST`, `seq FIRST INCR LAST`. */
export const seq: Command = async (ctx) => {
  const nums = ctx.argv.slice(1).map(Number)
  const [first, step, last] =
    nums.length === 1
      ? [1, 1, nums[0] ?? 1]
      : nums.length === 2
        ? [nums[0] ?? 1, 1, nums[1] ?? 1]
        : [nums[0] ?? 1, nums[1] ?? 1, nums[2] ?? 1]
  let out = ''
  for (let i = first; step > 0 ? i <= last : i >= last; i += step) out += `${i}\n`
  await ctx.io.stdout.write(out)
  return 0
}
