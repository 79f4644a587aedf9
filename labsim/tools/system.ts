import { loadMlx5Ib, unloadMlx5Ib } from '../model/mlx5-ib'
import type { Kernel } from '../model/kernel'
import { sleepReal } from '../model/clock'
import { procModules } from '../vfs/root'
import { preempt } from '../shell/scheduler'
import { abortErr } from '../shell/signals'
import type { Command } from '../shell/types'

const knownModules = new Set(['mlx5_core', 'mlx5_ib', 'netdevsim', 'ib_core', 'ib_uverbs', 'mlxfw'])

async function removeModule(
  kernel: Kernel,
  name: string,
  tool: 'modprobe' | 'rmmod',
): Promise<string | undefined> {
  if (!kernel.modules.has(name))
    return tool === 'rmmod' ? `rmmod: ERROR: Module ${name} is not currently loaded` : undefined
  if (name === 'mlx5_core' && kernel.modules.has('mlx5_ib')) {
    return tool === 'rmmod'
      ? 'rmmod: ERROR: Module mlx5_core is in use by: mlx5_ib'
      : 'modprobe: FATAL: Module mlx5_core is in use.'
  }
  if (name === 'mlx5_ib') await unloadMlx5Ib(kernel)
  else if (name === 'mlx5_core') return `${tool}: ERROR: Module mlx5_core is in use`
  else kernel.modules.delete(name)
  return undefined
}

/** modprobe(8) / `modprobe -r` (kmod semantics: removing a module that is not loaded succeeds). */
export function modprobeCommand(kernel: Kernel): Command {
  return async (ctx) => {
    const remove = ctx.argv.slice(1).some((a) => a === '-r' || a === '--remove')
    const names = ctx.argv.slice(1).filter((a) => !a.startsWith('-'))
    for (const name of names) {
      if (!knownModules.has(name)) {
        await ctx.io.stderr.write(
          `modprobe: FATAL: Module ${name} not found in directory /lib/modules/${kernel.release}\n`,
        )
        return 1
      }
      const error = remove
        ? await removeModule(kernel, name, 'modprobe')
        : name === 'mlx5_ib'
          ? (await loadMlx5Ib(kernel), undefined)
          : (kernel.modules.add(name), undefined)
      if (error) {
        await ctx.io.stderr.write(`${error}\n`)
        return 1
      }
    }
    return 0
  }
}

/** rmmod(8). */
export function rmmodCommand(kernel: Kernel): Command {
  return async (ctx) => {
    for (const name of ctx.argv.slice(1).filter((a) => !a.startsWith('-'))) {
      const error = await removeModule(kernel, name, 'rmmod')
      if (error) {
        await ctx.io.stderr.write(`${error}\n`)
        return 1
      }
    }
    return 0
  }
}

/** lsmod(8), formatted from /proc/modules. */
export function lsmodCommand(kernel: Kernel): Command {
  return async (ctx) => {
    const lines = procModules(kernel).trimEnd().split('\n').filter(Boolean)
    let out = 'Module                  Size  Used by\n'
    for (const line of lines) {
      const [name = '', size = '', used = '', deps = '-'] = line.split(' ')
      out += `${name.padEnd(19)} ${size.padStart(8)}  ${used}${deps !== '-' ? ` ${deps.replace(/,$/, '')}` : ''}\n`
    }
    await ctx.io.stdout.write(out)
    return 0
  }
}

/**
 * dmesg(1), util-linux 2.38: prints the ring from its clear point with `[seconds.micros]`
 * stamps and control characters escaped; `-w`/`--follow` keeps streaming, `-W` only new
 * messages, `-c` clears after printing, `-C` clears (the clear point moves; /dev/kmsg readers
 * still see every record, model/printk.ts).
 */
export function dmesgCommand(kernel: Kernel): Command {
  return async (ctx) => {
    const args = ctx.argv.slice(1)
    const has = (...names: string[]): boolean =>
      args.some(
        (a) =>
          names.includes(a) ||
          (/^-[a-zA-Z]+$/.test(a) && names.some((n) => n.length === 2 && a.includes(n[1] ?? ''))),
      )
    if (has('-C', '--clear')) {
      kernel.dmesg.clear()
      return 0
    }
    const follow = has('-w', '--follow') || has('-W', '--follow-new')
    const events = follow ? kernel.dmesgEvents.iterate(ctx.signal) : undefined
    if (!has('-W', '--follow-new'))
      await ctx.io.stdout.write(
        kernel.dmesg
          .visible()
          .map((r) => kernel.formatDmesg(r))
          .join(''),
      )
    if (has('-c', '--read-clear')) kernel.dmesg.clear()
    if (!events) return 0
    try {
      for await (const record of events) await ctx.io.stdout.write(kernel.formatDmesg(record))
    } catch (error) {
      if (!ctx.signal.aborted) throw error
    }
    return 0
  }
}

/**
 * yes(1): prints its arguments joined by spaces (default `y`), one per line, until killed or its
 * reader goes away (`yes | head -3`: BrokenPipe, status 141). Writes pipe-buffer-sized chunks
 * like coreutils (≥ 8 KiB), preempting between them so Ctrl-C and flow control get through.
 */
export const yesCommand: Command = async (ctx) => {
  const line = `${ctx.argv.length > 1 ? ctx.argv.slice(1).join(' ') : 'y'}\n`
  const chunk = line.repeat(Math.ceil(8192 / line.length))
  for (;;) {
    const turn = preempt()
    if (turn) await turn
    if (ctx.signal.aborted) throw abortErr()
    await ctx.io.stdout.write(chunk)
  }
}

/** uname(1). */
export function unameCommand(kernel: Kernel): Command {
  return async (ctx) => {
    const a = ctx.argv.slice(1).join('')
    const parts: string[] = []
    if (a === '' || a.includes('s') || a.includes('a')) parts.push('Linux')
    if (a.includes('n') || a.includes('a')) parts.push(kernel.hostname)
    if (a.includes('r') || a.includes('a')) parts.push(kernel.release)
    if (a.includes('v') || a.includes('a')) parts.push('#1 SMP PREEMPT_DYNAMIC')
    if (a.includes('m') || a.includes('a')) parts.push('x86_64')
    if (a.includes('a')) parts.push('GNU/Linux')
    await ctx.io.stdout.write(`${parts.join(' ')}\n`)
    return 0
  }
}

/** Small utilities: hostname, id, whoami, date, nproc, udevadm, stdbuf, env. */
export function miscCommands(kernel: Kernel): [string, Command][] {
  const print =
    (text: () => string): Command =>
    async (ctx) => (await ctx.io.stdout.write(`${text()}\n`), 0)
  return [
    ['hostname', print(() => kernel.hostname)],
    ['whoami', print(() => 'root')],
    ['id', print(() => 'uid=0(root) gid=0(root) groups=0(root)')],
    ['nproc', print(() => '2')],
    [
      'date',
      async (ctx) => {
        const fmt = ctx.argv[1]
        await ctx.io.stdout.write(
          `${fmt === '+%s' ? Math.floor(Date.now() / 1000) : fmt === '+%s%N' ? `${Date.now()}000000` : new Date().toUTCString()}\n`,
        )
        return 0
      },
    ],
    [
      'udevadm',
      async (ctx) =>
        ctx.argv[1] === 'settle' ? sleepReal(kernel.clock.scaled(50), ctx.signal).then(() => 0) : 0,
    ],
    [
      'stdbuf',
      async (ctx) =>
        ctx.runArgv(
          ctx.argv
            .slice(1)
            .filter((a, i) => i > 0 || !a.startsWith('-'))
            .filter((a) => !/^-[ioe]/.test(a)),
          ctx.io,
          ctx.signal,
        ),
    ],
    [
      'env',
      async (ctx) => (
        await ctx.io.stdout.write([...ctx.env].map(([k, v]) => `${k}=${v}\n`).join('')),
        0
      ),
    ],
  ]
}
