import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'

import type { OperationResult } from '../../contract'
import { NVME_SYSFS, nvmeState, pfSettled, resetNvmePf } from '../helpers/netdevsim-state'
import { NVME_PF } from '../helpers/netdevsim-vm'
import { consoleOnVm, type VmConsole } from '../helpers/realkernel-console'
import { dataDir, describeRealKernel, replabCli, sshArgs } from '../helpers/realkernel'

// The PCI-level operations on a real SR-IOV PF without devlink: QEMU's NVMe controller with 4
// VFs (reset_method flr), driven by the guest's stock nvme driver. Kernel behaviour: the PCI
// core's sriov_numvfs (drivers/pci/iov.c), driver unbind/bind and drivers_probe
// (drivers/base/bus.c), function reset (drivers/pci/pci.c pci_reset_function), 6.1.
describeRealKernel('PCI operations on an SR-IOV PF without devlink (real kernel)', (vm) => {
  const PF = `pci/${NVME_PF}`
  let dir: string
  let con: VmConsole
  const cliOp = async (...args: string[]): Promise<OperationResult> => {
    const r = await replabCli(dir, [
      'op',
      vm().target,
      ...args,
      ...sshArgs(vm()),
      '--yes',
      '--json',
    ])
    expect(r.stdout, r.stderr).not.toBe('')
    return JSON.parse(r.stdout) as OperationResult
  }
  beforeAll(async () => {
    dir = await dataDir()
    con = await consoleOnVm(vm(), await dataDir())
  })
  afterAll(() => con?.close())
  beforeEach(() => resetNvmePf(vm(), 4))

  it('changes the VF count 4 → 2 through 0 (a nonzero change is EBUSY) and back to 4', async () => {
    const r = await cliOp('vf-count', PF, '2')
    expect(r.status, r.error?.message).toBe('ok')
    expect(r.commands.map((c) => c.command)).toEqual([
      `echo 0 > ${NVME_SYSFS}/sriov_numvfs`,
      `echo 2 > ${NVME_SYSFS}/sriov_numvfs`,
    ])
    expect((await pfSettled(vm())).numvfs).toBe(2)
    const back = await con.op({ op: 'vf-count', device: PF, count: 4 })
    expect(back.status, back.error?.message).toBe('ok')
    expect((await pfSettled(vm())).vfs).toHaveLength(4)
  })

  it('resets each VF (FLR) in turn; the PF keeps its driver and its VFs', async () => {
    const before = await nvmeState(vm())
    for (const vf of before.vfs) {
      const r = await con.op({ op: 'pci-reset', bdf: vf.bdf })
      expect(r.status, `${vf.bdf}: ${r.error?.message}`).toBe('ok')
      expect(r.commands.map((c) => c.command)).toEqual([
        `echo 1 > /sys/bus/pci/devices/${vf.bdf}/reset`,
      ])
    }
    expect(await pfSettled(vm())).toEqual(before)
  })

  it('unbinds the PF from nvme and binds it back (the kernel picks the driver)', async () => {
    const un = await cliOp('unbind', PF)
    expect(un.status, un.error?.message).toBe('ok')
    expect((await nvmeState(vm())).driver).toBeNull()
    const bind = await con.op({ op: 'bind', device: PF })
    expect(bind.status, bind.error?.message).toBe('ok')
    expect((await pfSettled(vm())).driver).toBe('nvme')
  })

  it('resets the PF itself (FLR) and it stays on nvme with its VFs', async () => {
    const r = await cliOp('pci-reset', NVME_PF)
    expect(r.status, r.error?.message).toBe('ok')
    const k = await pfSettled(vm())
    expect(k.driver).toBe('nvme')
    expect(k.numvfs).toBe(4)
  })
})
