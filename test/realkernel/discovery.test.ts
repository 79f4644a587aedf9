import { beforeAll, expect, it } from 'vitest'

import { HostSnapshot } from '../../contract'
import { NSIM, resetNetdevsim, resetNvmePf } from '../helpers/netdevsim-state'
import { NVME_PF, PCI_VFS } from '../helpers/netdevsim-vm'
import { dataDir, describeRealKernel, replabCli, sshArgs } from '../helpers/realkernel'

// `replab discover --json` (the CLI users run) against Debian's kernel: netdevsim10 in switchdev
// with 4 VFs, and the NVMe SR-IOV PF (no devlink) with 4 VFs that its driver cannot use.
describeRealKernel('discovery on a real kernel', (vm) => {
  let snap: HostSnapshot
  beforeAll(async () => {
    await resetNetdevsim(vm(), { vfs: 4, mode: 'switchdev' })
    await resetNvmePf(vm(), PCI_VFS)
    const r = await replabCli(await dataDir(), [
      'discover',
      vm().target,
      ...sshArgs(vm()),
      '--json',
    ])
    expect(r.code, r.stderr).toBe(0)
    snap = HostSnapshot.parse(JSON.parse(r.stdout))
  })

  it('reads the kernel and netdevsim10 in switchdev with its 4 VF representors', async () => {
    expect(snap.host.kernel).toBe((await vm().ok('uname -r')).trim())
    expect(snap.host.bootId).toBe((await vm().ok('cat /proc/sys/kernel/random/boot_id')).trim())
    const d = snap.devices.find((x) => x.handle === NSIM)
    expect(d).toMatchObject({
      driver: 'netdevsim',
      devlink: true,
      pci: null,
      eswitch: { mode: 'switchdev' },
      uplink: 'eni10np1',
      sriov: { bus: 'netdevsim', numvfs: 4, totalvfs: 4 },
    })
    expect(d?.ports.map((p) => [p.index, p.flavour, p.netdev, p.vfnum ?? null])).toEqual([
      [0, 'physical', 'eni10np1', null],
      [128, 'pcivf', 'eni10npf0vf0', 0],
      [129, 'pcivf', 'eni10npf0vf1', 1],
      [130, 'pcivf', 'eni10npf0vf2', 2],
      [131, 'pcivf', 'eni10npf0vf3', 3],
    ])
    expect(d?.health.map((h) => [h.reporter, h.state]).sort()).toEqual([
      ['dummy', 'healthy'],
      ['empty', 'healthy'],
    ])
    expect(snap.errors).toEqual([])
  })

  it('shows the NVMe SR-IOV PF without devlink, with its VFs, their drivers and reset_method', async () => {
    const d = snap.devices.find((x) => x.handle === `pci/${NVME_PF}`)
    expect(d).toMatchObject({
      driver: 'nvme',
      devlink: false,
      eswitch: null,
      ports: [],
      health: [],
      sriov: { bus: 'pci', numvfs: PCI_VFS, totalvfs: PCI_VFS },
    })
    // The kernel's own view of each VF, read independently of replab.
    const kernelVfs = await vm().ok(
      `for v in /sys/bus/pci/devices/${NVME_PF}/virtfn*; do ` +
        'echo "$(basename $(readlink $v)) $(cat $v/reset_method) $(basename "$(readlink $v/driver)")"; done',
    )
    const expected = kernelVfs
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .map(([bdf, reset, driver]) => ({ bdf, resetMethod: [reset], driver: driver || null }))
    expect(
      d?.pci?.vfs.map((v) => ({ bdf: v.bdf, resetMethod: v.resetMethod, driver: v.driver })),
    ).toEqual(expected)
    expect(d?.pci?.vfs).toHaveLength(PCI_VFS)
  })
})
