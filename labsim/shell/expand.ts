import type { Vfs } from '../vfs/vfs'
import { splitPath } from '../vfs/vfs'
import type { ParamExp, Stmt, Word } from './syntax'
import { Tok, nodeType } from './syntax'

/** What word expansion needs from the running shell. */
export interface ExpandEnv {
  getVar(name: string): string | undefined
  setVar(name: string, value: string): void
  /** Runs `$(…)` and returns its stdout (trailing newlines are stripped by the caller). */
  commandSubst(stmts: Stmt[]): Promise<string>
  readonly vfs: Vfs
  readonly cwd: string
}

/** Raised by `${x:?msg}` and bad arithmetic: the shell prints it and the command fails. */
export class ExpansionError extends Error {}

interface Segment {
  text: string
  quoted: boolean
  /** Result of an unquoted expansion: subject to field splitting. */
  split: boolean
}

/**
 * Expands words into fields: parameter/command/arithmetic expansion, field splitting on
 * unquoted expansions, pathname expansion (globs) against the simulated filesystem.
 *
 * Follows POSIX 2.6 "Word Expansions"; a glob that matches nothing stays literal (bash default).
 */
export async function expandWords(words: readonly Word[], env: ExpandEnv): Promise<string[]> {
  const out: string[] = []
  for (const word of words) {
    const segments = await wordSegments(word, env, false)
    for (const field of splitFields(segments)) out.push(...glob(field, env))
  }
  return out
}

/** Expands one word to a single string (assignments, redirection targets, case words). */
export async function expandString(word: Word | null, env: ExpandEnv): Promise<string> {
  if (!word) return ''
  const segments = await wordSegments(word, env, false)
  return segments.map((s) => s.text).join('')
}

/** Expands a word as a glob pattern (case patterns, ${x#pat}): returns a RegExp source. */
export async function expandPattern(word: Word | null, env: ExpandEnv): Promise<string> {
  if (!word) return ''
  const segments = await wordSegments(word, env, false)
  return segments.map((s) => (s.quoted ? escapeRegex(s.text) : globToRegex(s.text))).join('')
}

async function wordSegments(word: Word, env: ExpandEnv, inQuotes: boolean): Promise<Segment[]> {
  const out: Segment[] = []
  for (const part of word.Parts) out.push(...(await partSegments(part, env, inQuotes)))
  return out
}

async function partSegments(part: unknown, env: ExpandEnv, q: boolean): Promise<Segment[]> {
  const type = nodeType(part)
  const p = part as Record<string, unknown>
  switch (type) {
    case 'Lit': {
      const value = String(p.Value)
      return [{ text: q ? unescapeDouble(value) : unescapeBare(value), quoted: q, split: false }]
    }
    case 'SglQuoted': {
      const value = String(p.Value)
      return [{ text: p.Dollar ? ansiC(value) : value, quoted: true, split: false }]
    }
    case 'DblQuoted': {
      const inner = await wordSegments({ Parts: p.Parts as unknown[] }, env, true)
      const text = inner.map((s) => s.text).join('')
      return [{ text, quoted: true, split: false }]
    }
    case 'ParamExp':
      return [{ text: await paramExp(part as ParamExp, env), quoted: q, split: !q }]
    case 'CmdSubst': {
      const text = (await env.commandSubst(p.Stmts as Stmt[])).replace(/\n+$/, '')
      return [{ text, quoted: q, split: !q }]
    }
    case 'ArithmExp':
      return [{ text: String(await arith(p.X, env)), quoted: q, split: !q }]
    default:
      throw new ExpansionError(`unsupported syntax: ${type}`)
  }
}

function splitFields(segments: Segment[]): Segment[][] {
  const fields: Segment[][] = []
  let current: Segment[] = []
  let has = false
  for (const seg of segments) {
    if (!seg.split) {
      current.push(seg)
      has = true
      continue
    }
    const pieces = seg.text.split(/[ \t\n]+/)
    pieces.forEach((piece, i) => {
      if (i > 0 && (has || current.length > 0)) {
        fields.push(current)
        current = []
        has = false
      }
      if (piece !== '') {
        current.push({ text: piece, quoted: false, split: false })
        has = true
      }
    })
  }
  if (has) fields.push(current)
  return fields
}

function glob(field: Segment[], env: ExpandEnv): string[] {
  const literal = field.map((s) => s.text).join('')
  if (!field.some((s) => !s.quoted && /[*?[]/.test(s.text))) return [literal]
  const pattern = field.map((s) => (s.quoted ? escapeGlob(s.text) : s.text)).join('')
  const matches = globPaths(pattern, env.vfs, env.cwd)
  return matches.length > 0 ? matches : [literal]
}

/** Pathname expansion of one pattern (POSIX 2.13.3; dotfiles only match a leading dot). */
export function globPaths(pattern: string, vfs: Vfs, cwd: string): string[] {
  const absolute = pattern.startsWith('/')
  const parts = pattern.split('/').filter((p) => p !== '')
  let paths: string[] = [absolute ? '/' : '']
  for (const part of parts) {
    const next: string[] = []
    for (const base of paths) {
      const dirPath = base === '' ? cwd : base
      if (!/[*?[]/.test(part)) {
        const candidate = joinGlob(base, unescapeGlob(part))
        if (vfs.tryLookup(candidate, false, cwd)) next.push(candidate)
        continue
      }
      const re = new RegExp(`^${globToRegex(part)}$`)
      let names: string[]
      try {
        names = vfs.readdir(dirPath)
      } catch {
        names = []
      }
      for (const name of names) {
        if (name.startsWith('.') && !part.startsWith('.')) continue
        if (re.test(name)) next.push(joinGlob(base, name))
      }
    }
    paths = next
  }
  return paths.sort()
}

function joinGlob(base: string, name: string): string {
  if (base === '') return name
  return base.endsWith('/') ? `${base}${name}` : `${base}/${name}`
}

/** Converts a shell glob to a RegExp source (`*`, `?`, `[…]`, `[!…]`, backslash escapes). */
export function globToRegex(glob: string): string {
  let out = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? ''
    if (c === '\\' && i + 1 < glob.length) out += escapeRegex(glob[++i] ?? '')
    else if (c === '*') out += '.*'
    else if (c === '?') out += '.'
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2)
      if (end < 0) out += '\\['
      else {
        let body = glob.slice(i + 1, end)
        if (body.startsWith('!')) body = `^${body.slice(1)}`
        out += `[${body.replace(/\\/g, '\\\\')}]`
        i = end
      }
    } else out += escapeRegex(c)
  }
  return out
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\\]/g, '\\$&')
}

function unescapeGlob(text: string): string {
  return text.replace(/\\(.)/g, '$1')
}

function unescapeBare(text: string): string {
  return text.replace(/\\\n/g, '').replace(/\\(.)/g, '$1')
}

function unescapeDouble(text: string): string {
  return text.replace(/\\\n/g, '').replace(/\\([$`"\\])/g, '$1')
}

const ansiEscapes: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
}

/** Decodes a bash `$'…'` string. */
export function ansiC(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_m, esc: string) => {
    if (esc.startsWith('x')) return String.fromCharCode(parseInt(esc.slice(1), 16))
    if (/^[0-7]+$/.test(esc)) return String.fromCharCode(parseInt(esc, 8))
    return ansiEscapes[esc] ?? `\\${esc}`
  })
}

async function paramExp(pe: ParamExp, env: ExpandEnv): Promise<string> {
  const name = pe.Param.Value
  const value = env.getVar(name)
  if (pe.Length) return String((value ?? '').length)
  if (pe.Repl) {
    const orig = await expandPattern(pe.Repl.Orig, env)
    const repl = await expandString(pe.Repl.With, env)
    if (orig === '') return value ?? ''
    return (value ?? '').replace(new RegExp(orig, pe.Repl.All ? 'g' : ''), () => repl)
  }
  if (!pe.Exp) return value ?? ''
  const { Op: op, Word: word } = pe.Exp
  const unsetOrNull = value === undefined || value === ''
  switch (op) {
    case Tok.defUnsetOrNull:
      return unsetOrNull ? expandString(word, env) : (value ?? '')
    case Tok.defUnset:
      return value === undefined ? expandString(word, env) : value
    case Tok.altUnsetOrNull:
      return unsetOrNull ? '' : expandString(word, env)
    case Tok.altUnset:
      return value === undefined ? '' : expandString(word, env)
    case Tok.assignUnsetOrNull: {
      if (!unsetOrNull) return value ?? ''
      const assigned = await expandString(word, env)
      env.setVar(name, assigned)
      return assigned
    }
    case Tok.errUnsetOrNull:
      if (unsetOrNull) {
        throw new ExpansionError(
          `${name}: ${(await expandString(word, env)) || 'parameter null or not set'}`,
        )
      }
      return value ?? ''
    default:
      return removePattern(value ?? '', op, await expandPattern(word, env))
  }
}

function removePattern(value: string, op: number, pattern: string): string {
  switch (op) {
    case Tok.remSmallPrefix:
      return value.replace(new RegExp(`^${pattern.replace(/\.\*/g, '.*?')}`, 's'), '')
    case Tok.remLargePrefix:
      return value.replace(new RegExp(`^${pattern}`, 's'), '')
    case Tok.remSmallSuffix: {
      for (let i = value.length; i >= 0; i--) {
        if (new RegExp(`^${pattern}$`, 's').test(value.slice(i))) return value.slice(0, i)
      }
      return value
    }
    case Tok.remLargeSuffix: {
      for (let i = 0; i <= value.length; i++) {
        if (new RegExp(`^${pattern}$`, 's').test(value.slice(i))) return value.slice(0, i)
      }
      return value
    }
    default:
      throw new ExpansionError('bad substitution')
  }
}

/** Evaluates a `$(( … ))` expression (integers; + - * / % comparisons, unary -, !). */
export async function arith(node: unknown, env: ExpandEnv): Promise<number> {
  const type = nodeType(node)
  const n = node as Record<string, unknown>
  if (type === 'ParenArithm') return arith(n.X, env)
  if (type === 'UnaryArithm') {
    const x = await arith(n.X, env)
    return n.Op === Tok.sub ? -x : n.Op === Tok.not ? Number(x === 0) : x
  }
  if (type === 'Word') {
    const text = (await expandString(node as Word, env)).trim()
    const resolved = /^[A-Za-z_]\w*$/.test(text) ? (env.getVar(text) ?? '0') : text
    const value = Number(resolved === '' ? '0' : resolved)
    if (!Number.isInteger(value)) throw new ExpansionError(`${text}: syntax error in expression`)
    return value
  }
  if (type !== 'BinaryArithm') throw new ExpansionError('unsupported arithmetic')
  const x = await arith(n.X, env)
  const y = await arith(n.Y, env)
  return binaryArith(n.Op as number, x, y)
}

function binaryArith(op: number, x: number, y: number): number {
  switch (op) {
    case Tok.add:
      return x + y
    case Tok.sub:
      return x - y
    case Tok.mul:
      return x * y
    case Tok.quo:
    case Tok.rem:
      if (y === 0) throw new ExpansionError('division by 0')
      return op === Tok.quo ? Math.trunc(x / y) : x % y
    case Tok.eql:
      return Number(x === y)
    case Tok.neq:
      return Number(x !== y)
    case Tok.lss:
      return Number(x < y)
    case Tok.gtr:
      return Number(x > y)
    case Tok.leq:
      return Number(x <= y)
    case Tok.geq:
      return Number(x >= y)
    default:
      throw new ExpansionError('unsupported arithmetic operator')
  }
}

/** Splits a path into its parts (re-exported for `ls`/`basename`). */
export { splitPath }
