import sh from 'mvdan-sh'

/**
 * The shell parser: mvdan/sh (the parser behind shfmt), in its GopherJS build `mvdan-sh`.
 *
 * Why not `sh-syntax` (mvdan/sh compiled to WASM): its `parse()` returns only `Pos`/`End` for
 * every command node (the Go→JSON mapping drops the node types), so no interpreter can be
 * built on it; `mvdan-sh` exposes the full typed AST of the same parser, synchronously.
 * Token numbers below are mvdan/sh v3 `syntax/tokens.go` values as this build reports them
 * (checked against parses of each operator).
 */
const { syntax } = sh

/** Returns the node type name (`CallExpr`, `BinaryCmd`, `Lit`, …) of a converted node. */
export function nodeType(node: unknown): string {
  return (node as { type?: string } | null)?.type ?? 'nil'
}

/** Fields copied per node type when converting the GopherJS AST to plain objects. */
const fields: Record<string, string[]> = {
  File: ['Stmts'],
  Stmt: ['Cmd', 'Negated', 'Background', 'Redirs'],
  Redirect: ['Op', 'N', 'Word', 'Hdoc'],
  CallExpr: ['Assigns', 'Args'],
  Assign: ['Name', 'Value', 'Append'],
  BinaryCmd: ['Op', 'X', 'Y'],
  IfClause: ['Cond', 'Then', 'Else'],
  WhileClause: ['Cond', 'Do', 'Until'],
  ForClause: ['Loop', 'Do'],
  WordIter: ['Name', 'Items'],
  CaseClause: ['Word', 'Items'],
  CaseItem: ['Op', 'Patterns', 'Stmts'],
  Block: ['Stmts'],
  Subshell: ['Stmts'],
  FuncDecl: ['Name', 'Body'],
  Word: ['Parts'],
  Lit: ['Value'],
  SglQuoted: ['Value', 'Dollar'],
  DblQuoted: ['Parts', 'Dollar'],
  ParamExp: ['Param', 'Length', 'Excl'],
  CmdSubst: ['Stmts'],
  ArithmExp: ['X'],
  BinaryArithm: ['Op', 'X', 'Y'],
  UnaryArithm: ['Op', 'Post', 'X'],
  ParenArithm: ['X'],
}

/**
 * Converts a GopherJS AST node to plain objects, once. Every property read on a GopherJS
 * object builds a fresh wrapper (≈0.4 ms), so interpreting the wrapped tree directly made a
 * 500-iteration loop take seconds; the plain copy keeps field names and adds `type` and `line`.
 */
function toPlain(node: unknown): unknown {
  if (node === null || node === undefined) return null
  if (typeof node !== 'object') return node
  if (Array.isArray(node)) return node.map(toPlain)
  const type = syntax.NodeType(node)
  const src = node as Record<string, unknown>
  const out: Record<string, unknown> = { type }
  for (const field of fields[type] ?? []) out[field] = toPlain(src[field])
  if (type === 'Stmt') out.line = lineOf((src as { Pos?: () => { Line?: () => number } }).Pos?.())
  if (type === 'ParamExp') {
    const exp = src.Exp as { Op: number; Word: unknown } | null
    const repl = src.Repl as { All: boolean; Orig: unknown; With: unknown } | null
    out.Exp = exp ? { Op: exp.Op, Word: toPlain(exp.Word) } : null
    out.Repl = repl ? { All: repl.All, Orig: toPlain(repl.Orig), With: toPlain(repl.With) } : null
    out.Slice = src.Slice ? {} : null
  }
  return out
}

/** Operator tokens (mvdan/sh v3 `syntax/tokens.go`). */
export const Tok = {
  andAnd: 10,
  orOr: 11,
  pipe: 12,
  pipeAll: 13,
  rdrOut: 54,
  appOut: 55,
  rdrIn: 56,
  rdrInOut: 57,
  dplIn: 58,
  dplOut: 59,
  clbOut: 60,
  hdoc: 61,
  dashHdoc: 62,
  wordHdoc: 63,
  rdrAll: 64,
  appAll: 65,
  // parameter expansion operators
  altUnsetOrNull: 69, // :+
  defUnset: 70, // -
  defUnsetOrNull: 71, // :-
  errUnsetOrNull: 73, // :?
  assignUnsetOrNull: 75, // :=
  altUnset: 68, // +
  remSmallSuffix: 76, // %
  remLargeSuffix: 77, // %%
  remSmallPrefix: 78, // #
  remLargePrefix: 79, // ##
  // arithmetic
  add: 68,
  sub: 70,
  mul: 38,
  quo: 85,
  rem: 76,
  eql: 40,
  neq: 41,
  lss: 56,
  gtr: 54,
  leq: 42,
  geq: 43,
  not: 34,
} as const

/** mvdan/sh `Lit`. */
export interface Lit {
  Value: string
}
/** mvdan/sh `Word`: a list of parts. */
export interface Word {
  Parts: unknown[]
}
/** mvdan/sh `Redirect`. */
export interface Redirect {
  Op: number
  N: Lit | null
  Word: Word | null
  Hdoc: Word | null
}
/** mvdan/sh `Stmt`. */
export interface Stmt {
  Cmd: unknown
  Negated: boolean
  Background: boolean
  Redirs: Redirect[]
  /** 1-based line of the statement in the script. */
  line: number
}
/** mvdan/sh `File`. */
export interface ShFile {
  Stmts: Stmt[]
}
/** mvdan/sh `Assign`. */
export interface Assign {
  Name: Lit
  Value: Word | null
  Append: boolean
}
/** mvdan/sh `CallExpr`. */
export interface CallExpr {
  Assigns: Assign[]
  Args: Word[]
}
/** mvdan/sh `BinaryCmd`. */
export interface BinaryCmd {
  Op: number
  X: Stmt
  Y: Stmt
}
/** mvdan/sh `IfClause` (an else branch is an IfClause with no Cond). */
export interface IfClause {
  Cond: Stmt[]
  Then: Stmt[]
  Else: IfClause | null
}
/** mvdan/sh `WhileClause`. */
export interface WhileClause {
  Cond: Stmt[]
  Do: Stmt[]
  Until: boolean
}
/** mvdan/sh `ForClause` with a `WordIter` loop. */
export interface ForClause {
  Loop: { Name: Lit; Items: Word[] }
  Do: Stmt[]
}
/** mvdan/sh `CaseClause`. */
export interface CaseClause {
  Word: Word
  Items: { Patterns: Word[]; Stmts: Stmt[] }[]
}
/** mvdan/sh `ParamExp`. */
export interface ParamExp {
  Param: Lit
  Length: boolean
  Excl: boolean
  Exp: { Op: number; Word: Word | null } | null
  Repl: { All: boolean; Orig: Word | null; With: Word | null } | null
  Slice: { Offset: unknown; Length: unknown } | null
}

/** A parse failure, with mvdan/sh's message (e.g. `reached EOF without closing quote '`). */
export class ShellSyntaxError extends Error {
  readonly line: number
  constructor(message: string, line: number) {
    super(message)
    this.line = line
  }
}

const parser = syntax.NewParser()

/** Scripts kept parsed, by exact text (least recently used dropped first). */
const CACHE_ENTRIES = 128
/** Longest script kept parsed, in characters (a console's discovery script is ~8 KB). */
const CACHE_MAX_CHARS = 64 * 1024
const parsed = new Map<string, ShFile>()

/**
 * Parses a shell script (bash dialect, which is a superset of what consoles send).
 *
 * The parse of a script seen before is reused: consoles send the same commands over and over
 * (replab's discovery script for the same parts is the same text every time), and parsing plus
 * the conversion below cost more than running most of them. The returned tree is shared and
 * must not be modified (the interpreter only reads it).
 *
 * Throws `ShellSyntaxError` on invalid input; never throws anything else.
 */
export function parseScript(src: string): ShFile {
  const hit = parsed.get(src)
  if (hit) {
    parsed.delete(src)
    parsed.set(src, hit)
    return hit
  }
  const file = parseFresh(src)
  if (src.length <= CACHE_MAX_CHARS) {
    parsed.set(src, file)
    if (parsed.size > CACHE_ENTRIES) parsed.delete(parsed.keys().next().value as string)
  }
  return file
}

function parseFresh(src: string): ShFile {
  try {
    return toPlain(parser.Parse(src, '')) as ShFile
  } catch (error) {
    const e = error as { Text?: string; Pos?: { Line?: () => number } } | undefined
    const text = typeof e?.Text === 'string' ? e.Text : String(error)
    throw new ShellSyntaxError(text, lineOf(e?.Pos))
  }
}

function lineOf(pos: { Line?: () => number } | undefined): number {
  try {
    return pos?.Line?.() ?? 1
  } catch {
    return 1
  }
}
