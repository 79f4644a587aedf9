import { KernelError, strerror } from '../model/errno'
import type { Kernel } from '../model/kernel'
import type { Pf, Vf } from '../model/mlx5-types'
import type { NetdevsimDevice } from '../model/netdevsim'
import type { CommandContext } from '../shell/types'

/** A devlink instance: an mlx5 PF, an mlx5 VF bound to mlx5_core, or netdevsim. */
export type DevlinkDev =
  | { readonly kind: 'pf'; readonly handle: string; readonly pf: Pf }
  | { readonly kind: 'vf'; readonly handle: string; readonly pf: Pf; readonly vf: Vf }
  | { readonly kind: 'sim'; readonly handle: string; readonly sim: NetdevsimDevice }

/** devlink instances in registration order: PFs (boot), netdevsim, then VFs (created later). */
export function devlinkDevs(kernel: Kernel): DevlinkDev[] {
  const out: DevlinkDev[] = []
  for (const pf of kernel.pfs) if (pf.bound) out.push({ kind: 'pf', handle: pf.handle, pf })
  const sim = kernel.netdevsim
  if (sim?.bound) out.push({ kind: 'sim', handle: sim.handle, sim })
  for (const pf of kernel.pfs)
    for (const vf of pf.vfs) if (vf.bound) out.push({ kind: 'vf', handle: `pci/${vf.bdf}`, pf, vf })
  return out
}

/** Finds a devlink instance by handle. */
export function findDevlink(kernel: Kernel, handle: string): DevlinkDev | undefined {
  return devlinkDevs(kernel).find((d) => d.handle === handle)
}

/**
 * Prints a kernel error the way iproute2 does (lib/libnetlink.c, lib/mnl_utils.c):
 * `Error: <extack>.` then `kernel answers: <strerror>`. Returns exit status 1.
 */
export async function printKernelError(ctx: CommandContext, error: unknown): Promise<number> {
  if (!(error instanceof KernelError)) throw error
  if (error.extack) await ctx.io.stderr.write(`Error: ${error.extack}.\n`)
  await ctx.io.stderr.write(`kernel answers: ${strerror[error.errno]}\n`)
  return 1
}

/** Splits leading `-x` options (single-letter, combinable, plus long `--json` style). */
export function globalOptions(
  args: string[],
  known: string,
): { opts: Set<string>; rest: string[] } {
  const opts = new Set<string>()
  let i = 0
  for (; i < args.length; i++) {
    const a = args[i] ?? ''
    if (!a.startsWith('-') || a === '-') break
    if (a.startsWith('--')) {
      opts.add(a.slice(2))
      continue
    }
    for (const c of a.slice(1)) if (known.includes(c)) opts.add(c)
  }
  return { opts, rest: args.slice(i) }
}

/** Matches an iproute2 keyword abbreviation (`sh` → `show`). */
export function matches(word: string | undefined, full: string): boolean {
  return word !== undefined && word.length > 0 && full.startsWith(word)
}
