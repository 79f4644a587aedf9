import type { HostSnapshot } from '../../contract/snapshot'
import type { CommandRunner } from '../../main/host/ports'

/**
 * Shapes a simulated host over SSH the way an engineer would (docs/domain.md: `devlink dev
 * eswitch set … mode switchdev`, `echo N > …/sriov_numvfs`), so the bench works with labsim's
 * default topology whatever scenarios it offers.
 */

/** A physical function that can have VFs. */
export interface PfInfo {
  readonly handle: string
  readonly bdf: string
  readonly totalvfs: number
}

/** PFs of `snap` with SR-IOV (totalvfs > 0), in snapshot order. */
export function sriovPfs(snap: HostSnapshot): PfInfo[] {
  const out: PfInfo[] = []
  for (const d of snap.devices) {
    if (d.pci && d.pci.totalvfs > 0) {
      out.push({ handle: d.handle, bdf: d.pci.bdf, totalvfs: d.pci.totalvfs })
    }
  }
  return out
}

async function must(runner: CommandRunner, cmd: string): Promise<void> {
  const r = await runner.exec(cmd, { timeoutMs: 120_000 })
  if (r.code !== 0) throw new Error(`\`${cmd}\` exited ${r.code}: ${r.stderr.trim().slice(0, 200)}`)
}

/** Sets `pf` to `mode` (when given) and then to `vfs` VFs (0 first when it has others). */
export async function shapePf(
  runner: CommandRunner,
  pf: PfInfo,
  vfs: number,
  mode?: 'legacy' | 'switchdev',
): Promise<void> {
  const numvfs = `/sys/bus/pci/devices/${pf.bdf}/sriov_numvfs`
  await must(runner, `echo 0 > ${numvfs}`)
  if (mode) await must(runner, `devlink dev eswitch set ${pf.handle} mode ${mode}`)
  if (vfs > 0) await must(runner, `echo ${vfs} > ${numvfs}`)
}

/** Total VF count and PF count of `snap` in words, e.g. "4 PF x 127 VF, switchdev". */
export function shapeText(snap: HostSnapshot): string {
  const pfs = snap.devices.filter((d) => d.pci && d.pci.totalvfs > 0)
  const vfs = pfs.map((d) => d.pci?.numvfs ?? 0)
  const modes = [...new Set(pfs.map((d) => d.eswitch?.mode ?? 'none'))]
  return `${pfs.length} PF x [${vfs.join(',')}] VF, ${modes.join('/')}`
}
