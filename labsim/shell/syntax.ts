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

/** Returns the mvdan/sh node type name (`CallExpr`, `BinaryCmd`, `Lit`, …). */
export function nodeType(node: unknown): string {
  return syntax.NodeType(node)
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
  Pos(): { Line(): number }
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

/**
 * Parses a shell script (bash dialect, which is a superset of what consoles send).
 *
 * Throws `ShellSyntaxError` on invalid input; never throws anything else.
 */
export function parseScript(src: string): ShFile {
  try {
    return parser.Parse(src, '') as ShFile
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
