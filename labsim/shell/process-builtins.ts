import { sleepReal } from '../model/clock'
import type { BuiltinContext } from './builtins'

function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(text)
  if (!match) return Number.NaN
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] ?? ''] ?? 1
  return Number(match[1]) * unit * 1000
}

/**
 * timeout(1): runs a command and aborts it after DURATION; exit 124 on timeout
 * (coreutils semantics; `-s`/`-k` are accepted and ignored: every kill is immediate here).
 */
export async function timeoutCommand(ctx: BuiltinContext): Promise<number> {
  const args = ctx.argv.slice(1)
  while (args[0]?.startsWith('-')) {
    const opt = args.shift() ?? ''
    if ((opt === '-s' || opt === '-k') && args.length > 0) args.shift()
  }
  const ms = parseDuration(args.shift() ?? '')
  if (Number.isNaN(ms) || args.length === 0) {
    await ctx.io.stderr.write(
      "timeout: invalid time interval\nTry 'timeout --help' for more information.\n",
    )
    return 125
  }
  const abort = new AbortController()
  const onOuter = (): void => abort.abort()
  ctx.signal.addEventListener('abort', onOuter, { once: true })
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    abort.abort()
  }, ms)
  try {
    const status = await ctx.runArgv(args, ctx.io, abort.signal)
    return timedOut ? 124 : status
  } catch (error) {
    if (timedOut) return 124
    throw error
  } finally {
    clearTimeout(timer)
    ctx.signal.removeEventListener('abort', onOuter)
  }
}

/**
 * flock(1) in its command form: `flock [-n] [-w secs] [-E code] [-x|-s] FILE cmd [args…]` or
 * `flock … FILE -c 'cmd'`. The lock lives in the host's lock table, so it is shared by every
 * channel and connection, and is released when the command ends or is killed (channel close),
 * exactly like the kernel drops an flock when the holder's fd closes (util-linux flock(1)).
 */
export async function flockCommand(ctx: BuiltinContext): Promise<number> {
  const args = ctx.argv.slice(1)
  let nonblock = false
  let conflictCode = 1
  let waitMs: number | undefined
  while (args[0]?.startsWith('-') && args[0] !== '-c') {
    const opt = args.shift() ?? ''
    if (opt === '-n' || opt === '--nonblock') nonblock = true
    else if (opt === '-E' || opt === '--conflict-exit-code') conflictCode = Number(args.shift())
    else if (opt === '-w' || opt === '--timeout') waitMs = Number(args.shift()) * 1000
  }
  const file = args.shift()
  if (!file || args.length === 0) {
    await ctx.io.stderr.write('flock: not enough arguments\n')
    return 64
  }
  const path = await ensureLockFile(ctx, file)
  if (path === undefined) return 66
  const owner = Symbol(file)
  const acquired = await acquire(ctx, path, owner, nonblock, waitMs)
  if (!acquired) return conflictCode
  try {
    if (args[0] === '-c')
      return await ctx.runScript(args[1] ?? '', ['sh'], ctx.io, ctx.signal, true)
    return await ctx.runArgv(args, ctx.io, ctx.signal)
  } finally {
    ctx.sys.locks.release(path, owner)
  }
}

async function ensureLockFile(ctx: BuiltinContext, file: string): Promise<string | undefined> {
  try {
    const existing = ctx.sys.vfs.tryLookup(file, true, ctx.shell.cwd)
    if (!existing) await ctx.sys.vfs.write(file, '', true, ctx.shell.cwd)
    return ctx.sys.vfs.lookup(file, true, ctx.shell.cwd).path
  } catch {
    await ctx.io.stderr.write(`flock: cannot open lock file ${file}: No such file or directory\n`)
    return undefined
  }
}

async function acquire(
  ctx: BuiltinContext,
  path: string,
  owner: symbol,
  nonblock: boolean,
  waitMs: number | undefined,
): Promise<boolean> {
  if (nonblock || waitMs === 0) return ctx.sys.locks.acquire(path, owner, false, ctx.signal)
  if (waitMs === undefined) return ctx.sys.locks.acquire(path, owner, true, ctx.signal)
  const abort = new AbortController()
  const onOuter = (): void => abort.abort()
  ctx.signal.addEventListener('abort', onOuter, { once: true })
  const timer = sleepReal(waitMs, ctx.signal).then(
    () => abort.abort(),
    () => undefined,
  )
  try {
    return await ctx.sys.locks.acquire(path, owner, true, abort.signal)
  } catch (error) {
    if (ctx.signal.aborted) throw error
    return false
  } finally {
    void timer
    ctx.signal.removeEventListener('abort', onOuter)
  }
}
