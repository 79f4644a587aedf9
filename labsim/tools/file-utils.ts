import { KernelError, strerror } from '../model/errno'
import { readLine } from '../shell/streams'
import type { Command, CommandContext } from '../shell/types'
import { splitPath } from '../vfs/vfs'

/** Current directory of the calling shell (commands run with a `shell` on their context). */
export function cwdOf(ctx: CommandContext): string {
  return (ctx as { shell?: { cwd: string } }).shell?.cwd ?? '/root'
}

/** `<tool>: <path>: <strerror>` for a failed file access. */
export function fileError(tool: string, path: string, error: unknown): string {
  if (error instanceof KernelError) return `${tool}: ${path}: ${strerror[error.errno]}\n`
  throw error
}

/** Yields the lines of stdin as they arrive (streaming, for `… | grep` on a live stream). */
export async function* stdinLines(ctx: CommandContext): AsyncGenerator<string> {
  for (;;) {
    const line = await readLine(ctx.io.stdin, ctx.signal)
    if (line === null) return
    yield line
  }
}

/** Reads a file (or stdin for `-`) as lines; yields nothing and reports on error. */
export async function* inputLines(
  ctx: CommandContext,
  tool: string,
  files: string[],
): AsyncGenerator<string> {
  if (files.length === 0 || (files.length === 1 && files[0] === '-')) {
    yield* stdinLines(ctx)
    return
  }
  for (const file of files) {
    let text: string
    try {
      text = await ctx.sys.vfs.read(file, cwdOf(ctx))
    } catch (error) {
      await ctx.io.stderr.write(fileError(tool, file, error))
      continue
    }
    const lines = text.split('\n')
    if (lines[lines.length - 1] === '') lines.pop()
    yield* lines
  }
}

/** cat(1): files, stdin, and streaming files (trace_pipe) that block until interrupted. */
export const cat: Command = async (ctx) => {
  const files = ctx.argv.slice(1).filter((a) => a === '-' || !a.startsWith('-'))
  if (files.length === 0) files.push('-')
  let status = 0
  for (const file of files) {
    if (file === '-') {
      for (;;) {
        const chunk = await ctx.io.stdin.read(ctx.signal)
        if (chunk === null) break
        await ctx.io.stdout.write(chunk)
      }
      continue
    }
    try {
      const node = ctx.sys.vfs.file(file, cwdOf(ctx))
      if (node.stream) await node.stream({ out: ctx.io.stdout, signal: ctx.signal })
      else await ctx.io.stdout.write(await ctx.sys.vfs.read(file, cwdOf(ctx)))
    } catch (error) {
      await ctx.io.stderr.write(fileError('cat', file, error))
      status = 1
    }
  }
  return status
}

/** ls(1): `-1`, `-l`, `-d`, `-a`; several operands print `dir:` headers like coreutils. */
export const ls: Command = async (ctx) => {
  const flags = ctx.argv
    .slice(1)
    .filter((a) => a.startsWith('-'))
    .join('')
  const operands = ctx.argv.slice(1).filter((a) => !a.startsWith('-'))
  if (operands.length === 0) operands.push('.')
  const long = flags.includes('l')
  let status = 0
  const files: string[] = []
  const dirs: string[] = []
  for (const op of operands) {
    const found = ctx.sys.vfs.tryLookup(op, !long || !flags.includes('d'), cwdOf(ctx))
    if (!found) {
      await ctx.io.stderr.write(`ls: cannot access '${op}': No such file or directory\n`)
      status = 2
    } else if (found.node.kind === 'dir' && !flags.includes('d')) dirs.push(op)
    else files.push(op)
  }
  for (const f of files) await ctx.io.stdout.write(`${long ? longLine(ctx, f, f) : f}\n`)
  for (const [i, d] of dirs.entries()) {
    if (operands.length > 1)
      await ctx.io.stdout.write(`${i > 0 || files.length > 0 ? '\n' : ''}${d}:\n`)
    const names = ctx.sys.vfs
      .readdir(d, cwdOf(ctx))
      .filter((n) => flags.includes('a') || !n.startsWith('.'))
    if (long) await ctx.io.stdout.write(`total 0\n`)
    for (const name of names) {
      await ctx.io.stdout.write(`${long ? longLine(ctx, `${d}/${name}`, name) : name}\n`)
    }
  }
  return status
}

function longLine(ctx: CommandContext, path: string, name: string): string {
  const found = ctx.sys.vfs.tryLookup(path, false, cwdOf(ctx))
  const node = found?.node
  const date = 'Nov 21 13:02'
  if (node?.kind === 'link') return `lrwxrwxrwx 1 root root 0 ${date} ${name} -> ${node.target}`
  if (node?.kind === 'dir') return `drwxr-xr-x 2 root root 0 ${date} ${name}`
  const mode = node?.read ? (node.write ? '-rw-r--r--' : '-r--r--r--') : '--w-------'
  return `${mode} 1 root root 4096 ${date} ${name}`
}

/** readlink(1): prints a link's target; `-f`/`-e`/`-m` print the canonical path. */
export const readlink: Command = async (ctx) => {
  const canonical = ctx.argv.slice(1).some((a) => /^-[fem]+$/.test(a))
  const paths = ctx.argv.slice(1).filter((a) => !a.startsWith('-'))
  let status = 0
  for (const path of paths) {
    try {
      const text = canonical
        ? ctx.sys.vfs.lookup(path, true, cwdOf(ctx)).path
        : ctx.sys.vfs.readlink(path, cwdOf(ctx))
      await ctx.io.stdout.write(`${text}\n`)
    } catch {
      status = 1
    }
  }
  return status
}

/** basename(1) (with optional suffix). */
export const basename: Command = async (ctx) => {
  const [path = '', suffix] = ctx.argv.slice(1).filter((a) => a !== '--')
  const parts = splitPath(path)
  let base = path.startsWith('/') && parts.length === 0 ? '/' : (parts[parts.length - 1] ?? '')
  if (suffix && base.endsWith(suffix) && base !== suffix) base = base.slice(0, -suffix.length)
  await ctx.io.stdout.write(`${base}\n`)
  return 0
}

/** dirname(1). */
export const dirname: Command = async (ctx) => {
  const path = (ctx.argv[1] ?? '.').replace(/\/+$/, '')
  const slash = path.lastIndexOf('/')
  const dir = slash < 0 ? '.' : slash === 0 ? '/' : path.slice(0, slash)
  await ctx.io.stdout.write(`${dir}\n`)
  return 0
}

/** mkdir(1) with `-p` (tmpfs only: sysfs refuses with EACCES like the kernel). */
export const mkdir: Command = async (ctx) => {
  let status = 0
  const parents = ctx.argv.includes('-p')
  for (const path of ctx.argv.slice(1).filter((a) => !a.startsWith('-'))) {
    try {
      if (!parents && ctx.sys.vfs.tryLookup(path, true, cwdOf(ctx))) {
        await ctx.io.stderr.write(`mkdir: cannot create directory '${path}': File exists\n`)
        status = 1
        continue
      }
      ctx.sys.vfs.mkdirp(path, cwdOf(ctx))
    } catch (error) {
      const reason = error instanceof KernelError ? strerror[error.errno] : String(error)
      await ctx.io.stderr.write(`mkdir: cannot create directory '${path}': ${reason}\n`)
      status = 1
    }
  }
  return status
}

/** rm(1) for tmpfs files (`-f` silences missing files). */
export const rm: Command = async (ctx) => {
  const force = ctx.argv.slice(1).some((a) => /^-\w*f/.test(a))
  let status = 0
  for (const path of ctx.argv.slice(1).filter((a) => !a.startsWith('-'))) {
    const parts = splitPath(path, cwdOf(ctx))
    const name = parts.pop() ?? ''
    const parent = ctx.sys.vfs.tryLookup(`/${parts.join('/')}`)
    const removed = parent?.node.kind === 'dir' && parent.node.remove?.(name)
    if (!removed && !force) {
      await ctx.io.stderr.write(`rm: cannot remove '${path}': No such file or directory\n`)
      status = 1
    }
  }
  return status
}

/** touch(1): creates empty tmpfs files. */
export const touch: Command = async (ctx) => {
  for (const path of ctx.argv.slice(1).filter((a) => !a.startsWith('-'))) {
    if (!ctx.sys.vfs.tryLookup(path, true, cwdOf(ctx)))
      await ctx.sys.vfs.write(path, '', true, cwdOf(ctx))
  }
  return 0
}
