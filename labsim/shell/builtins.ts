import { sleepReal } from '../model/clock'
import type { Shell } from './interp'
import { formatPrintf } from './printf'
import { ExitSignal, LoopSignal } from './signals'
import { readLine } from './streams'
import { evaluateTest } from './test-cmd'
import type { CommandContext } from './types'
import { flockCommand, timeoutCommand } from './process-builtins'

/** Context of a builtin: a command context plus the shell it runs in. */
export type BuiltinContext = CommandContext & { readonly shell: Shell }

type Builtin = (ctx: BuiltinContext) => Promise<number>

async function echo(ctx: BuiltinContext): Promise<number> {
  let args = ctx.argv.slice(1)
  let newline = true
  let escapes = false
  while (args[0] && /^-[neE]+$/.test(args[0])) {
    if (args[0].includes('n')) newline = false
    if (args[0].includes('e')) escapes = true
    args = args.slice(1)
  }
  let text = args.join(' ')
  if (escapes || ctx.shell.flavor === 'dash') text = formatPrintf('%b', [text])
  await ctx.io.stdout.write(newline ? `${text}\n` : text)
  return 0
}

async function printf(ctx: BuiltinContext): Promise<number> {
  const [format, ...args] = ctx.argv.slice(1)
  if (format === undefined) {
    await ctx.shell.error(ctx.io, 'printf: usage: printf [-v var] format [arguments]')
    return 2
  }
  await ctx.io.stdout.write(formatPrintf(format, args))
  return 0
}

async function test(ctx: BuiltinContext): Promise<number> {
  let args = ctx.argv.slice(1)
  if (ctx.argv[0] === '[') {
    if (args[args.length - 1] !== ']') {
      await ctx.shell.error(ctx.io, "[: missing `]'")
      return 2
    }
    args = args.slice(0, -1)
  }
  const result = evaluateTest(args, ctx.sys.vfs, ctx.shell.cwd)
  if (result.message) await ctx.shell.error(ctx.io, `${ctx.argv[0]}: ${result.message}`)
  return result.status
}

async function read(ctx: BuiltinContext): Promise<number> {
  const names = ctx.argv.slice(1).filter((a) => !a.startsWith('-'))
  const raw = ctx.argv.includes('-r')
  let line = await readLine(ctx.io.stdin, ctx.signal)
  if (line === null) {
    for (const name of names) ctx.shell.vars.set(name, '')
    return 1
  }
  if (!raw) line = line.replace(/\\(.)/g, '$1')
  const targets = names.length > 0 ? names : ['REPLY']
  const fields = line.trim().split(/[ \t]+/)
  targets.forEach((name, i) => {
    const value = i === targets.length - 1 ? fields.slice(i).join(' ') : (fields[i] ?? '')
    ctx.shell.vars.set(name, value)
  })
  return 0
}

async function exit(ctx: BuiltinContext): Promise<number> {
  throw new ExitSignal(Number(ctx.argv[1] ?? ctx.shell.status) & 255)
}

async function exec(ctx: BuiltinContext): Promise<number> {
  if (ctx.argv.length < 2) return 0
  throw new ExitSignal(await ctx.runArgv(ctx.argv.slice(1), ctx.io, ctx.signal))
}

/**
 * `cd [-P|-L] [dir]`: the directory is always the physical one (symlinks resolved, as dash's
 * `cd -P`), and `$PWD` follows it; discovery reads a link's target name that way.
 */
async function cd(ctx: BuiltinContext): Promise<number> {
  const args = ctx.argv.slice(1).filter((a) => a !== '-P' && a !== '-L')
  const target = args[0] ?? '/root'
  const found = ctx.sys.vfs.tryLookup(target, true, ctx.shell.cwd)
  if (!found || found.node.kind !== 'dir') {
    await ctx.shell.error(ctx.io, `cd: ${target}: No such file or directory`)
    return 1
  }
  ctx.shell.cwd = found.path
  ctx.shell.vars.set('PWD', found.path)
  return 0
}

async function exportVar(ctx: BuiltinContext): Promise<number> {
  for (const arg of ctx.argv.slice(1)) {
    const eq = arg.indexOf('=')
    if (eq > 0) ctx.shell.vars.set(arg.slice(0, eq), arg.slice(eq + 1))
  }
  return 0
}

async function kill(ctx: BuiltinContext): Promise<number> {
  const pids = ctx.argv.slice(1).filter((a) => !a.startsWith('-') && a !== '--')
  let status = 0
  for (const text of pids) {
    const proc = ctx.sys.process(Number(text))
    if (!proc) {
      await ctx.shell.error(ctx.io, `kill: (${text}) - No such process`)
      status = 1
      continue
    }
    proc.abort.abort()
  }
  return status
}

async function commandBuiltin(ctx: BuiltinContext): Promise<number> {
  const args = ctx.argv.slice(1)
  if (args[0] === '-v' || args[0] === '-V') {
    let status = 1
    for (const name of args.slice(1)) {
      if (builtins.has(name)) await ctx.io.stdout.write(`${name}\n`)
      else if (ctx.sys.commands.has(name)) await ctx.io.stdout.write(`/usr/sbin/${name}\n`)
      else continue
      status = 0
    }
    return status
  }
  return ctx.runArgv(args, ctx.io, ctx.signal)
}

async function shC(ctx: BuiltinContext): Promise<number> {
  const args = ctx.argv.slice(1)
  const c = args.indexOf('-c')
  if (c < 0 || args[c + 1] === undefined) {
    await ctx.io.stderr.write(`${ctx.argv[0]}: only -c is supported\n`)
    return 2
  }
  const script = args[c + 1] ?? ''
  const rest = args.slice(c + 2)
  const positional = rest.length > 0 ? rest : [ctx.argv[0] ?? 'sh']
  const dash = (ctx.argv[0] ?? '').replace(/^.*\//, '') === 'sh'
  return ctx.runScript(script, positional, ctx.io, ctx.signal, dash)
}

async function sleep(ctx: BuiltinContext): Promise<number> {
  const seconds = Number((ctx.argv[1] ?? '0').replace(/s$/, ''))
  if (Number.isNaN(seconds)) {
    await ctx.io.stderr.write(`sleep: invalid time interval '${ctx.argv[1]}'\n`)
    return 1
  }
  await sleepReal(seconds * 1000, ctx.signal)
  return 0
}

async function shift(ctx: BuiltinContext): Promise<number> {
  const n = Number(ctx.argv[1] ?? 1)
  const [zero, ...rest] = ctx.shell.positional
  ctx.shell.positional = [zero ?? 'bash', ...rest.slice(n)]
  return 0
}

async function unset(ctx: BuiltinContext): Promise<number> {
  for (const name of ctx.argv.slice(1)) ctx.shell.vars.delete(name)
  return 0
}

async function evalBuiltin(ctx: BuiltinContext): Promise<number> {
  const child = ctx.shell
  return child.run(ctx.argv.slice(1).join(' '), ctx.io, ctx.signal)
}

const ok: Builtin = async () => 0

/** Shell builtins (plus the few utilities that need the interpreter: sh, timeout, flock). */
export const builtins = new Map<string, Builtin>([
  ['echo', echo],
  ['printf', printf],
  ['test', test],
  ['[', test],
  ['true', ok],
  [':', ok],
  ['false', async () => 1],
  ['read', read],
  ['exit', exit],
  ['exec', exec],
  ['cd', cd],
  ['pwd', async (ctx) => (await ctx.io.stdout.write(`${ctx.shell.cwd}\n`), 0)],
  ['export', exportVar],
  ['local', exportVar],
  ['set', ok],
  ['unset', unset],
  ['shift', shift],
  ['kill', kill],
  ['wait', ok],
  ['eval', evalBuiltin],
  ['command', commandBuiltin],
  [
    'break',
    async () => {
      throw new LoopSignal('break')
    },
  ],
  [
    'continue',
    async () => {
      throw new LoopSignal('continue')
    },
  ],
  ['sh', shC],
  ['bash', shC],
  ['sleep', sleep],
  ['timeout', timeoutCommand],
  ['flock', flockCommand],
])
