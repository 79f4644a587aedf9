import { KernelError, strerror } from '../model/errno'
import { builtins } from './builtins'
import type { ExpandEnv } from './expand'
import { ExpansionError, expandPattern, expandString, expandWords } from './expand'
import { openRedirects, RedirectError } from './redirect'
import { preempt } from './scheduler'
import { abortErr, ExitSignal, isAbort, LoopSignal } from './signals'
import { BrokenPipe, BufferSink, Pipe } from './streams'
import type {
  BinaryCmd,
  CallExpr,
  CaseClause,
  ForClause,
  IfClause,
  ShFile,
  Stmt,
  WhileClause,
} from './syntax'
import { nodeType, parseScript, ShellSyntaxError, Tok } from './syntax'
import type { Command, CommandContext, Io, ShellSystem } from './types'

/** Which shell's error wording to use (exec channels run bash -c; `sh -c` is dash). */
export type ShellFlavor = 'bash' | 'dash' | 'interactive'

/**
 * A POSIX-shell subset interpreter over the mvdan/sh AST.
 *
 * Supports lists (`;`, `&&`, `||`, `!`), pipelines, redirections (`>`, `>>`, `<`, `2>&1`, `&>`),
 * `for`/`while`/`until`/`if`/`case`, `{ }`, `( )`, functions, background `&`, parameter,
 * command and arithmetic expansion, globs. Semantics follow POSIX XCU 2.9; error wording
 * follows bash 5.2 (`bash: line 1: foo: command not found`) or dash (`sh: 1: foo: not found`).
 */
export class Shell {
  vars = new Map<string, string>()
  positional: string[] = []
  status = 0
  cwd = '/root'
  lastBackground = 0
  readonly functions = new Map<string, Stmt>()
  private line = 1

  constructor(
    readonly sys: ShellSystem,
    readonly pid: number,
    readonly flavor: ShellFlavor,
  ) {
    this.vars.set('HOME', '/root')
    this.vars.set('PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
    this.vars.set('USER', 'root')
    this.vars.set('IFS', ' \t\n')
  }

  /** Parses and runs `src`; resolves with the exit status (2 on a syntax error). */
  async run(src: string, io: Io, signal: AbortSignal): Promise<number> {
    let file: ShFile
    try {
      file = parseScript(src)
    } catch (error) {
      if (!(error instanceof ShellSyntaxError)) throw error
      await this.error(io, `syntax error: ${error.message}`, error.line)
      return (this.status = 2)
    }
    try {
      return (this.status = await this.stmts(file.Stmts, io, signal))
    } catch (error) {
      if (error instanceof ExitSignal) return (this.status = error.code)
      if (error instanceof LoopSignal) return this.status
      if (isAbort(error)) return (this.status = 130)
      throw error
    }
  }

  /** Prints a shell diagnostic with the flavor's prefix. */
  async error(io: Io, message: string, line = this.line): Promise<void> {
    const prefix =
      this.flavor === 'bash'
        ? `bash: line ${line}: `
        : this.flavor === 'dash'
          ? `sh: ${line}: `
          : '-bash: '
    await io.stderr.write(`${prefix}${message}\n`).catch(() => undefined)
  }

  async stmts(list: readonly Stmt[], io: Io, signal: AbortSignal): Promise<number> {
    let status = this.status
    for (const stmt of list) status = await this.stmt(stmt, io, signal)
    return status
  }

  async stmt(stmt: Stmt, io: Io, signal: AbortSignal): Promise<number> {
    // Every statement is a preemption point and a signal check, so a builtin loop
    // (`while :; do echo x; done`) lets I/O in and stops at the next statement after Ctrl-C.
    const turn = preempt()
    if (turn) await turn
    if (signal.aborted) throw abortErr()
    this.line = stmt.line
    if (stmt.Background) return this.background(stmt, io)
    let status: number
    try {
      status = await this.withRedirects(stmt, io, signal)
    } catch (error) {
      if (error instanceof ExpansionError) {
        await this.error(io, error.message)
        status = 1
      } else throw error
    }
    if (stmt.Negated) status = status === 0 ? 1 : 0
    this.status = status
    return status
  }

  private async withRedirects(stmt: Stmt, io: Io, signal: AbortSignal): Promise<number> {
    if (stmt.Redirs.length === 0) return this.command(stmt.Cmd, io, signal)
    let opened
    try {
      opened = await openRedirects(stmt.Redirs, io, this.expandEnv(io, signal))
    } catch (error) {
      if (error instanceof RedirectError) {
        await this.error(io, error.message)
        return 1
      }
      throw error
    }
    try {
      return await this.command(stmt.Cmd, opened.io, signal)
    } finally {
      await opened.close()
    }
  }

  private background(stmt: Stmt, io: Io): number {
    const abort = new AbortController()
    const proc = this.sys.spawn('background job', abort)
    this.lastBackground = proc.pid
    const child = this.subshell()
    const copy: Stmt = { ...stmt, Background: false }
    void child
      .stmt(copy, io, abort.signal)
      .catch(() => undefined)
      .finally(() => proc.release())
    return 0
  }

  /** A copy of this shell for `( … )`, pipelines and background jobs. */
  subshell(): Shell {
    const child = new Shell(this.sys, this.pid, this.flavor)
    child.vars = new Map(this.vars)
    child.positional = [...this.positional]
    child.status = this.status
    child.cwd = this.cwd
    for (const [k, v] of this.functions) child.functions.set(k, v)
    return child
  }

  private async command(cmd: unknown, io: Io, signal: AbortSignal): Promise<number> {
    if (cmd === null || cmd === undefined) return 0
    const type = nodeType(cmd)
    switch (type) {
      case 'CallExpr':
        return this.call(cmd as CallExpr, io, signal)
      case 'BinaryCmd':
        return this.binary(cmd as BinaryCmd, io, signal)
      case 'Block':
        return this.stmts((cmd as { Stmts: Stmt[] }).Stmts, io, signal)
      case 'Subshell':
        return this.subshell().runStmts((cmd as { Stmts: Stmt[] }).Stmts, io, signal)
      case 'IfClause':
        return this.ifClause(cmd as IfClause, io, signal)
      case 'WhileClause':
        return this.whileClause(cmd as WhileClause, io, signal)
      case 'ForClause':
        return this.forClause(cmd as ForClause, io, signal)
      case 'CaseClause':
        return this.caseClause(cmd as CaseClause, io, signal)
      case 'FuncDecl': {
        const fn = cmd as { Name: { Value: string }; Body: Stmt }
        this.functions.set(fn.Name.Value, fn.Body)
        return 0
      }
      default:
        await this.error(io, `unsupported syntax: ${type}`)
        return 2
    }
  }

  /** Runs statements catching `exit` (the boundary of a subshell). */
  async runStmts(list: readonly Stmt[], io: Io, signal: AbortSignal): Promise<number> {
    try {
      return await this.stmts(list, io, signal)
    } catch (error) {
      if (error instanceof ExitSignal) return error.code
      throw error
    }
  }

  private async binary(cmd: BinaryCmd, io: Io, signal: AbortSignal): Promise<number> {
    if (cmd.Op === Tok.pipe || cmd.Op === Tok.pipeAll) return this.pipeline(cmd, io, signal)
    const x = await this.stmt(cmd.X, io, signal)
    if (cmd.Op === Tok.andAnd ? x !== 0 : x === 0) return x
    return this.stmt(cmd.Y, io, signal)
  }

  private flattenPipe(stmt: Stmt, out: { stmt: Stmt; all: boolean }[], all: boolean): void {
    const cmd = stmt.Cmd
    const isPipe =
      cmd !== null &&
      nodeType(cmd) === 'BinaryCmd' &&
      ((cmd as BinaryCmd).Op === Tok.pipe || (cmd as BinaryCmd).Op === Tok.pipeAll)
    if (isPipe && !stmt.Negated && stmt.Redirs.length === 0) {
      const b = cmd as BinaryCmd
      this.flattenPipe(b.X, out, b.Op === Tok.pipeAll)
      this.flattenPipe(b.Y, out, all)
      return
    }
    out.push({ stmt, all })
  }

  private async pipeline(cmd: BinaryCmd, io: Io, signal: AbortSignal): Promise<number> {
    const parts: { stmt: Stmt; all: boolean }[] = []
    this.flattenPipe(cmd.X, parts, cmd.Op === Tok.pipeAll)
    this.flattenPipe(cmd.Y, parts, false)
    const pipes = parts.slice(1).map(() => new Pipe())
    const runs = parts.map(async (part, i) => {
      const input = i === 0 ? io.stdin : (pipes[i - 1] as Pipe)
      const output = i === parts.length - 1 ? io.stdout : (pipes[i] as Pipe)
      const stderr = part.all && i < parts.length - 1 ? output : io.stderr
      try {
        return await this.subshell().runStmts(
          [part.stmt],
          { stdin: input, stdout: output, stderr },
          signal,
        )
      } catch (error) {
        if (error instanceof BrokenPipe) return 141
        throw error
      } finally {
        if (i < parts.length - 1) (pipes[i] as Pipe).end()
        if (i > 0) (pipes[i - 1] as Pipe).closeReader()
      }
    })
    const statuses = await Promise.all(runs)
    return statuses[statuses.length - 1] ?? 0
  }

  private async ifClause(cmd: IfClause, io: Io, signal: AbortSignal): Promise<number> {
    let clause: IfClause | null = cmd
    while (clause) {
      if (clause.Cond.length === 0) return this.stmts(clause.Then, io, signal)
      if ((await this.stmts(clause.Cond, io, signal)) === 0)
        return this.stmts(clause.Then, io, signal)
      clause = clause.Else
    }
    return 0
  }

  private async loopBody(body: Stmt[], io: Io, signal: AbortSignal): Promise<'break' | number> {
    try {
      return await this.stmts(body, io, signal)
    } catch (error) {
      if (error instanceof LoopSignal) return error.kind === 'break' ? 'break' : 0
      throw error
    }
  }

  private async whileClause(cmd: WhileClause, io: Io, signal: AbortSignal): Promise<number> {
    let status = 0
    for (;;) {
      const cond = await this.stmts(cmd.Cond, io, signal)
      if (cmd.Until ? cond === 0 : cond !== 0) return status
      const result = await this.loopBody(cmd.Do, io, signal)
      if (result === 'break') return 0
      status = result
    }
  }

  private async forClause(cmd: ForClause, io: Io, signal: AbortSignal): Promise<number> {
    if (nodeType(cmd.Loop) !== 'WordIter') {
      await this.error(io, 'unsupported for loop')
      return 2
    }
    const items = await expandWords(cmd.Loop.Items, this.expandEnv(io, signal))
    let status = 0
    for (const item of items) {
      this.vars.set(cmd.Loop.Name.Value, item)
      const result = await this.loopBody(cmd.Do, io, signal)
      if (result === 'break') return 0
      status = result
    }
    return status
  }

  private async caseClause(cmd: CaseClause, io: Io, signal: AbortSignal): Promise<number> {
    const env = this.expandEnv(io, signal)
    const word = await expandString(cmd.Word, env)
    for (const item of cmd.Items) {
      for (const pattern of item.Patterns) {
        if (new RegExp(`^${await expandPattern(pattern, env)}$`, 's').test(word)) {
          return this.stmts(item.Stmts, io, signal)
        }
      }
    }
    return 0
  }

  /** Expansion environment bound to this shell (command substitution runs in a subshell). */
  expandEnv(io: Io, signal: AbortSignal): ExpandEnv {
    return {
      getVar: (name) => this.getVar(name),
      setVar: (name, value) => this.vars.set(name, value),
      commandSubst: async (stmts) => {
        const sink = new BufferSink()
        const child = this.subshell()
        this.status = await child.runStmts(stmts, { ...io, stdout: sink }, signal)
        return sink.text
      },
      vfs: this.sys.vfs,
      cwd: this.cwd,
    }
  }

  getVar(name: string): string | undefined {
    if (name === '?') return String(this.status)
    if (name === '$') return String(this.pid)
    if (name === '!') return String(this.lastBackground)
    if (name === '#') return String(Math.max(0, this.positional.length - 1))
    if (name === '@' || name === '*') return this.positional.slice(1).join(' ')
    if (/^\d+$/.test(name)) return this.positional[Number(name)]
    return this.vars.get(name)
  }

  private async call(cmd: CallExpr, io: Io, signal: AbortSignal): Promise<number> {
    const env = this.expandEnv(io, signal)
    const assigns = new Map<string, string>()
    for (const a of cmd.Assigns) {
      const value = await expandString(a.Value, env)
      assigns.set(a.Name.Value, a.Append ? (this.vars.get(a.Name.Value) ?? '') + value : value)
    }
    const argv = await expandWords(cmd.Args, env)
    if (argv.length === 0) {
      for (const [k, v] of assigns) this.vars.set(k, v)
      return this.status
    }
    const vars = new Map([...this.vars, ...assigns])
    return this.execArgv(argv, io, signal, vars)
  }

  /** Runs one simple command: function, builtin or external (`not found` → 127). */
  async execArgv(
    argv: string[],
    io: Io,
    signal: AbortSignal,
    vars: ReadonlyMap<string, string> = this.vars,
  ): Promise<number> {
    const name = argv[0] ?? ''
    const fn = this.functions.get(name)
    if (fn) return this.callFunction(fn, argv, io, signal)
    const builtin = builtins.get(name)
    const external = this.sys.commands.get(name) ?? this.sys.commands.get(name.replace(/^.*\//, ''))
    const command = (builtin ?? external) as Command | undefined
    if (!command) {
      const known = name.includes('/') && this.sys.vfs.tryLookup(name)
      await this.error(io, this.notFound(name, Boolean(known)))
      return known ? 126 : 127
    }
    if (!builtin && name !== 'stdbuf') await this.sys.beforeCommand?.(argv, signal)
    return this.invoke(command, argv, io, signal, vars, builtin !== undefined)
  }

  private notFound(name: string, exists: boolean): string {
    if (exists) return `${name}: Permission denied`
    if (name.includes('/')) return `${name}: No such file or directory`
    return this.flavor === 'dash' ? `${name}: not found` : `${name}: command not found`
  }

  private async callFunction(
    fn: Stmt,
    argv: string[],
    io: Io,
    signal: AbortSignal,
  ): Promise<number> {
    const saved = this.positional
    this.positional = [saved[0] ?? 'bash', ...argv.slice(1)]
    try {
      return await this.stmt(fn, io, signal)
    } finally {
      this.positional = saved
    }
  }

  private async invoke(
    command: Command,
    argv: string[],
    io: Io,
    signal: AbortSignal,
    vars: ReadonlyMap<string, string>,
    isBuiltin: boolean,
  ): Promise<number> {
    const ctx: CommandContext & { shell: Shell } = {
      argv,
      io,
      signal,
      env: vars,
      sys: this.sys,
      shell: this,
      runScript: (script, args, childIo, childSignal, dash) => {
        const child = new Shell(this.sys, this.pid + 1, dash ? 'dash' : 'bash')
        child.vars = new Map(vars)
        child.positional = args
        return child.run(script, childIo, childSignal)
      },
      runArgv: (childArgv, childIo, childSignal) =>
        this.execArgv(childArgv, childIo, childSignal, vars),
    }
    try {
      return await command(ctx)
    } catch (error) {
      return this.commandFailed(error, argv, io, isBuiltin)
    }
  }

  private async commandFailed(
    error: unknown,
    argv: string[],
    io: Io,
    isBuiltin: boolean,
  ): Promise<number> {
    if (error instanceof BrokenPipe || error instanceof ExitSignal || error instanceof LoopSignal)
      throw error
    if (isAbort(error)) throw error
    if (error instanceof KernelError) {
      const name = argv[0] ?? ''
      const text = `${name}: write error: ${strerror[error.errno]}`
      if (isBuiltin) {
        await this.error(io, this.flavor === 'dash' ? `${name}: ${name}: I/O error` : text)
      } else await io.stderr.write(`${text}\n`).catch(() => undefined)
      return 1
    }
    // Any other failure of a simulated command is that command's error, never the shell's
    // crash: report it the way a shell reports a failing program and go on (status 2).
    const name = argv[0] ?? ''
    const message = error instanceof Error ? error.message : String(error)
    await io.stderr.write(`${name}: ${message}\n`).catch(() => undefined)
    return 2
  }
}
