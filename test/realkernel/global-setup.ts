import type { TestProject } from 'vitest/node'

import { mkdir, writeFile } from 'node:fs/promises'

import { bootVm, connectVm, locateLab, stopVm, type VmHandle } from '../helpers/netdevsim-vm'

declare module 'vitest' {
  export interface ProvidedContext {
    realkernel: VmHandle
  }
}

/**
 * Boots the real-kernel VM once per run (with `PCI_VFS` VFs on its NVMe PF) and hands its port
 * to every test file; stops it at the end. Where the lab is absent it provides the reason, and
 * every test file reports itself skipped with it.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const lab = locateLab()
  const reuse = Number(process.env.REPLAB_VM_PORT ?? 0)
  // REPLAB_VM_PORT: a VM the developer booted by hand (start.sh with PCI_VFS=4), never stopped here.
  const handle: VmHandle = !lab.ok
    ? lab
    : reuse > 0
      ? { ok: true, port: reuse, dir: lab.dir, work: lab.work, bootSeconds: 0 }
      : await bootVm(lab)
  if (handle.ok) {
    console.log(`realkernel: VM on 127.0.0.1:${handle.port} (booted in ${handle.bootSeconds} s)`)
    await recordKernel(handle)
  } else console.log(`realkernel: SKIPPED, ${handle.reason}`)
  project.provide('realkernel', handle)
  return () => (reuse > 0 ? Promise.resolve() : stopVm(handle))
}

/** Writes the VM's kernel for README's table (scripts/realkernel-table.mjs). */
async function recordKernel(handle: Extract<VmHandle, { ok: true }>): Promise<void> {
  const vm = await connectVm(handle)
  try {
    const kernel = (await vm.ok('uname -r')).trim()
    const release = (await vm.ok('cat /etc/netdevsim-lab-release 2>/dev/null || true')).trim()
    await mkdir('test-results', { recursive: true })
    await writeFile(
      'test-results/realkernel-kernel.txt',
      `${kernel} (Debian stock kernel; upstream netdevsim; QEMU NVMe SR-IOV PF)${release ? `; ${release}` : ''}\n`,
    )
  } finally {
    vm.close()
  }
}
