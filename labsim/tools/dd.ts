import { KernelError, strerror } from '../model/errno'
import type { Kernel } from '../model/kernel'
import { kmsgLine } from '../model/printk'
import type { Command, CommandContext } from '../shell/types'
import { cwdOf } from './file-utils'

/**
 * dd(1), coreutils 9.1, as far as reading to stdout goes: `if=`, `bs=` (digits with an optional
 * K/M suffix, 1024-based), `count=`, `iflag=nonblock`, `status=none`. `if=/dev/kmsg` reads one
 * record per read(2) like the kernel's `devkmsg_read`: a record longer than `bs` fails with
 * EINVAL; with `iflag=nonblock` the read after the last record fails with EAGAIN, which dd
 * reports (`dd: error reading '/dev/kmsg': Resource temporarily unavailable`) and exits 1 —
 * replab's kernel-log cursor relies on exactly that (test/fixtures/hostile/dev_kmsg_dd_nonblock.txt).
 * Without `nonblock` it waits for new records until killed. `of=` is not modelled.
 */

interface DdArgs {
  readonly input: string | undefined
  readonly bs: number
  readonly count: number | undefined
  readonly nonblock: boolean
  readonly quiet: boolean
}

function size(text: string): number {
  const m = /^(\d+)([KM]?)$/.exec(text)
  if (!m) return NaN
  return Number(m[1]) * (m[2] === 'K' ? 1024 : m[2] === 'M' ? 1024 * 1024 : 1)
}

function parse(argv: readonly string[]): DdArgs | string {
  const ops = new Map<string, string>()
  for (const a of argv) {
    const eq = a.indexOf('=')
    if (eq <= 0) return `dd: unrecognized operand '${a}'`
    ops.set(a.slice(0, eq), a.slice(eq + 1))
  }
  for (const key of ops.keys())
    if (!['if', 'bs', 'ibs', 'count', 'iflag', 'status'].includes(key))
      return `dd: labsim does not model the operand '${key}='`
  const bs = size(ops.get('bs') ?? ops.get('ibs') ?? '512')
  if (!(bs > 0)) return `dd: invalid number: '${ops.get('bs') ?? ''}'`
  const count = ops.has('count') ? size(ops.get('count') ?? '') : undefined
  return {
    input: ops.get('if'),
    bs,
    count,
    nonblock: (ops.get('iflag') ?? '').split(',').includes('nonblock'),
    quiet: ops.get('status') === 'none',
  }
}

/** coreutils' transfer summary (`print_stats`), rounded as `human_round_to_nearest`. */
function summary(reads: number, bytes: number, full: number): string {
  const partial = reads - full
  const human = (n: number, base: number, units: string[]): string => {
    let v = n
    let u = 0
    while (v >= base && u < units.length - 1) {
      v /= base
      u++
    }
    return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`
  }
  const sizes =
    bytes >= 1000
      ? ` (${human(bytes, 1000, ['B', 'kB', 'MB', 'GB'])}, ${human(bytes, 1024, ['B', 'KiB', 'MiB', 'GiB'])})`
      : ''
  return (
    `${full}+${partial} records in\n${full}+${partial} records out\n` +
    `${bytes} bytes${sizes} copied, 0.000342 s, ${human(bytes / 0.000342, 1000, ['B/s', 'kB/s', 'MB/s', 'GB/s'])}\n`
  )
}

async function readKmsg(kernel: Kernel, ctx: CommandContext, a: DdArgs): Promise<number> {
  let reads = 0
  let bytes = 0
  const done = async (error: string | null): Promise<number> => {
    if (error) await ctx.io.stderr.write(`dd: error reading '${a.input ?? ''}': ${error}\n`)
    if (!a.quiet) await ctx.io.stderr.write(summary(reads, bytes, 0))
    return error ? 1 : 0
  }
  const follow = a.nonblock ? undefined : kernel.dmesgEvents.iterate(ctx.signal)
  const emit = async (line: string): Promise<boolean> => {
    if (Buffer.byteLength(line) > a.bs) return false
    await ctx.io.stdout.write(line)
    reads++
    bytes += Buffer.byteLength(line)
    return true
  }
  for (const record of [...kernel.dmesg.all()]) {
    if (a.count !== undefined && reads >= a.count) return done(null)
    if (!(await emit(kmsgLine(record)))) return done(strerror.EINVAL)
  }
  if (!follow) return done(strerror.EAGAIN)
  try {
    for await (const record of follow) {
      if (a.count !== undefined && reads >= a.count) break
      if (!(await emit(kmsgLine(record)))) return done(strerror.EINVAL)
    }
  } catch (error) {
    if (!ctx.signal.aborted) throw error
  }
  return done(null)
}

/** dd(1) (see the module doc). */
export function ddCommand(kernel: Kernel): Command {
  return async (ctx) => {
    const a = parse(ctx.argv.slice(1))
    if (typeof a === 'string') {
      await ctx.io.stderr.write(`${a}\n`)
      return 1
    }
    if (a.input === '/dev/kmsg') return readKmsg(kernel, ctx, a)
    if (a.input === undefined) {
      await ctx.io.stderr.write('dd: labsim models dd only with if=<file>\n')
      return 1
    }
    let text: string
    try {
      text = await ctx.sys.vfs.read(a.input, cwdOf(ctx))
    } catch (error) {
      if (!(error instanceof KernelError)) throw error
      await ctx.io.stderr.write(`dd: failed to open '${a.input}': ${strerror[error.errno]}\n`)
      return 1
    }
    const bytes = Buffer.from(text, 'utf8')
    const limit = a.count === undefined ? bytes.length : Math.min(bytes.length, a.count * a.bs)
    await ctx.io.stdout.write(bytes.subarray(0, limit).toString('utf8'))
    const full = Math.floor(limit / a.bs)
    const reads = full + (limit % a.bs > 0 ? 1 : 0)
    if (!a.quiet) await ctx.io.stderr.write(summary(reads, limit, full))
    return 0
  }
}
