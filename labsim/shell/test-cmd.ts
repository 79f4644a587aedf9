import type { Vfs } from '../vfs/vfs'

/**
 * test(1) / `[` evaluation: unary file and string tests, binary string and integer tests,
 * `!`, `-a`, `-o`, parentheses (POSIX test, bash's builtin semantics for 1–4 arguments).
 *
 * Returns 0 (true), 1 (false) or 2 (usage error, with `message`).
 */
export function evaluateTest(
  args: string[],
  vfs: Vfs,
  cwd: string,
): { status: number; message?: string } {
  try {
    const parser = new TestParser(args, vfs, cwd)
    const value = parser.parseOr()
    if (parser.pos < args.length)
      return { status: 2, message: `${args[parser.pos]}: unexpected operator` }
    return { status: value ? 0 : 1 }
  } catch (error) {
    return { status: 2, message: (error as Error).message }
  }
}

const unaryFile = new Set([
  '-e',
  '-f',
  '-d',
  '-L',
  '-h',
  '-r',
  '-w',
  '-x',
  '-s',
  '-b',
  '-c',
  '-p',
  '-S',
])
const binary = new Set(['=', '==', '!=', '-eq', '-ne', '-lt', '-le', '-gt', '-ge', '<', '>'])

class TestParser {
  pos = 0
  constructor(
    private readonly args: string[],
    private readonly vfs: Vfs,
    private readonly cwd: string,
  ) {}

  parseOr(): boolean {
    let value = this.parseAnd()
    while (this.args[this.pos] === '-o') {
      this.pos++
      value = this.parseAnd() || value
    }
    return value
  }

  private parseAnd(): boolean {
    let value = this.parseNot()
    while (this.args[this.pos] === '-a') {
      this.pos++
      value = this.parseNot() && value
    }
    return value
  }

  private parseNot(): boolean {
    if (this.args[this.pos] === '!' && this.pos + 1 < this.args.length) {
      this.pos++
      return !this.parseNot()
    }
    return this.parsePrimary()
  }

  private parsePrimary(): boolean {
    const a = this.args[this.pos]
    if (a === undefined) return false
    if (a === '(') {
      this.pos++
      const value = this.parseOr()
      if (this.args[this.pos] !== ')') throw new Error("missing ')'")
      this.pos++
      return value
    }
    const op = this.args[this.pos + 1]
    if (op !== undefined && binary.has(op) && this.pos + 2 < this.args.length) {
      const b = this.args[this.pos + 2] ?? ''
      this.pos += 3
      return compare(a, op, b)
    }
    if ((unaryFile.has(a) || a === '-n' || a === '-z') && this.pos + 1 < this.args.length) {
      const operand = this.args[this.pos + 1] ?? ''
      this.pos += 2
      if (a === '-n') return operand !== ''
      if (a === '-z') return operand === ''
      return this.fileTest(a, operand)
    }
    this.pos++
    return a !== ''
  }

  private fileTest(op: string, path: string): boolean {
    if (path === '') return false
    if (op === '-L' || op === '-h')
      return this.vfs.tryLookup(path, false, this.cwd)?.node.kind === 'link'
    const found = this.vfs.tryLookup(path, true, this.cwd)
    if (!found) return false
    const node = found.node
    switch (op) {
      case '-d':
        return node.kind === 'dir'
      case '-f':
        return node.kind === 'file'
      case '-r':
        return (
          node.kind === 'dir' ||
          (node.kind === 'file' && (node.read !== undefined || node.stream !== undefined))
        )
      case '-w':
        return node.kind === 'dir' || (node.kind === 'file' && node.write !== undefined)
      case '-x':
        return node.kind === 'dir'
      case '-s':
        return node.kind === 'dir' || node.kind === 'file'
      case '-e':
        return true
      default:
        return false
    }
  }
}

function compare(a: string, op: string, b: string): boolean {
  switch (op) {
    case '=':
    case '==':
      return a === b
    case '!=':
      return a !== b
    case '<':
      return a < b
    case '>':
      return a > b
    default: {
      const x = toInteger(a)
      const y = toInteger(b)
      if (op === '-eq') return x === y
      if (op === '-ne') return x !== y
      if (op === '-lt') return x < y
      if (op === '-le') return x <= y
      if (op === '-gt') return x > y
      return x >= y
    }
  }
}

function toInteger(text: string): number {
  if (!/^\s*-?\d+\s*$/.test(text)) throw new Error(`${text}: integer expression expected`)
  return Number(text)
}
