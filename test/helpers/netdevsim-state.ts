import type { LabVm } from './netdevsim-vm'
import { poll } from './poll'
import { NVME_PF } from './netdevsim-vm'

/**
 * Known starting states on the real-kernel VM, set and read with plain tools (sysfs, devlink,
 * udevadm) over the suite's own ssh2 connection. Paths follow the netdevsim bus ABI
 * (drivers/net/netdevsim/bus.c, 6.1) and the
 * PCI SR-IOV sysfs files (drivers/pci/iov.c, 6.1).
 */

/** The netdevsim device every real-kernel test uses: id 10, one physical port. */
export const NSIM_ID = 10
export const NSIM = `netdevsim/netdevsim${NSIM_ID}`
export const NSIM_SYSFS = `/sys/bus/netdevsim/devices/netdevsim${NSIM_ID}`
export const NSIM_DEBUGFS = `/sys/kernel/debug/netdevsim/netdevsim${NSIM_ID}`
export const NVME_SYSFS = `/sys/bus/pci/devices/${NVME_PF}`

/**
 * Recreates netdevsim10 from scratch (del_device + new_device "10 1"), then sets its VF count
 * and E-Switch mode, and waits for udev to finish renaming (`udevadm settle`).
 */
export async function resetNetdevsim(
  vm: LabVm,
  want: { vfs?: number; mode?: 'legacy' | 'switchdev' } = {},
): Promise<void> {
  await vm.ok(
    `modprobe netdevsim && if [ -e ${NSIM_SYSFS} ]; then echo ${NSIM_ID} > /sys/bus/netdevsim/del_device; fi`,
  )
  // Every netdev of a deleted netdevsim device must be gone with it (nsim_drv_remove): one that
  // survives is a leak left by whatever ran before, named here so it is not blamed on the next
  // test. (Such a netdev has lost its sysfs `device` link; iproute2 still names its parent.)
  const links = JSON.parse(await vm.ok('ip -j -d link show')) as Array<{
    ifname: string
    parentdev?: string
  }>
  const left = links.filter((l) => l.parentdev === `netdevsim${NSIM_ID}`).map((l) => l.ifname)
  if (left.length > 0)
    throw new Error(`netdevsim${NSIM_ID} was deleted but its netdevs survive: ${left.join(', ')}`)
  const lines = [`echo "${NSIM_ID} 1" > /sys/bus/netdevsim/new_device`, 'udevadm settle']
  if (want.vfs) lines.push(`echo ${want.vfs} > ${NSIM_SYSFS}/sriov_numvfs`)
  if (want.mode === 'switchdev') lines.push(`devlink dev eswitch set ${NSIM} mode switchdev`)
  lines.push('udevadm settle')
  await vm.ok(lines.join(' && '))
}

/** Puts the NVMe PF back on its driver with `vfs` VFs (0 first: a nonzero change is EBUSY). */
export async function resetNvmePf(vm: LabVm, vfs = 0): Promise<void> {
  const lines = [
    `if [ ! -e ${NVME_SYSFS}/driver ]; then echo ${NVME_PF} > /sys/bus/pci/drivers/nvme/bind; fi`,
    `echo 0 > ${NVME_SYSFS}/sriov_numvfs`,
  ]
  if (vfs) lines.push(`echo ${vfs} > ${NVME_SYSFS}/sriov_numvfs`)
  lines.push('udevadm settle')
  await vm.ok(lines.join(' && '))
  await pfSettled(vm)
}

/**
 * Waits until the NVMe PF's sysfs reads the same twice in a row 300 ms apart: its VFs are
 * probed by nvme and released again by the driver's asynchronous reset work (`Device not
 * ready; aborting initialisation`), so they keep changing for a moment after the write.
 */
export async function pfSettled(vm: LabVm): Promise<PfState> {
  let last = JSON.stringify(await nvmeState(vm))
  return poll(
    async () => {
      await new Promise((r) => setTimeout(r, 300)) // the spacing of two reads, not a wait for a state
      const now = await nvmeState(vm)
      const same = JSON.stringify(now) === last
      last = JSON.stringify(now)
      return same ? now : undefined
    },
    { timeoutMs: 30_000, what: `${NVME_PF} settled` },
  )
}

/** netdevsim10 as the kernel shows it now: mode, VF count and devlink ports (index → netdev). */
export interface NsimState {
  readonly mode: string | null
  readonly numvfs: number | null
  readonly ports: ReadonlyMap<number, { flavour: string; netdev: string | null }>
  readonly reloadFailed: boolean
}

/** Reads netdevsim10's state with `devlink -j` and sysfs. */
export async function nsimState(vm: LabVm): Promise<NsimState> {
  const [esw, ports, numvfs, dev] = await Promise.all([
    vm.sh(`devlink -j dev eswitch show ${NSIM}`),
    vm.sh('devlink -j port show'),
    vm.sh(`cat ${NSIM_SYSFS}/sriov_numvfs`),
    vm.sh(`devlink -j dev show ${NSIM}`),
  ])
  const mode = esw.code === 0 ? (JSON.parse(esw.stdout).dev?.[NSIM]?.mode ?? null) : null
  const map = new Map<number, { flavour: string; netdev: string | null }>()
  const all = ports.code === 0 ? (JSON.parse(ports.stdout).port ?? {}) : {}
  for (const [key, p] of Object.entries(
    all as Record<string, { flavour: string; netdev?: string }>,
  )) {
    if (!key.startsWith(`${NSIM}/`)) continue
    map.set(Number(key.slice(NSIM.length + 1)), { flavour: p.flavour, netdev: p.netdev ?? null })
  }
  const failed = dev.code === 0 && JSON.parse(dev.stdout).dev?.[NSIM]?.reload_failed === true
  return {
    mode,
    numvfs: numvfs.code === 0 ? Number(numvfs.stdout.trim()) : null,
    ports: map,
    reloadFailed: failed,
  }
}

/** The NVMe PF now: bound driver, VF count and each VF's driver and reset_method. */
export interface PfState {
  readonly driver: string | null
  readonly numvfs: number
  readonly vfs: ReadonlyArray<{ bdf: string; driver: string | null }>
}

/** Reads the NVMe PF's sysfs. */
export async function nvmeState(vm: LabVm): Promise<PfState> {
  const out = await vm.ok(
    `d=${NVME_SYSFS}; echo "driver $(basename "$(readlink $d/driver)" 2>/dev/null)"; ` +
      'echo "numvfs $(cat $d/sriov_numvfs)"; ' +
      'for v in $d/virtfn*; do [ -L "$v" ] || continue; ' +
      'echo "vf $(basename "$(readlink $v)") $(basename "$(readlink $v/driver)" 2>/dev/null)"; done',
  )
  let driver: string | null = null
  let numvfs = 0
  const vfs: Array<{ bdf: string; driver: string | null }> = []
  for (const line of out.split('\n')) {
    const [k, a, b] = line.trim().split(/\s+/)
    if (k === 'driver') driver = a && a !== '.' ? a : null
    if (k === 'numvfs') numvfs = Number(a)
    if (k === 'vf' && a) vfs.push({ bdf: a, driver: b && b !== '.' ? b : null })
  }
  return { driver, numvfs, vfs: vfs.sort((x, y) => x.bdf.localeCompare(y.bdf)) }
}
