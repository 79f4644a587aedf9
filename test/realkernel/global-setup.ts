import type { TestProject } from 'vitest/node'

import { bootVm, locateLab, stopVm, type VmHandle } from '../helpers/netdevsim-vm'

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
  if (lab.ok && reuse > 0) {
    // A VM the developer booted by hand (start.sh with PCI_VFS=4): used, never stopped here.
    console.log(`realkernel: using the VM already running on 127.0.0.1:${reuse}`)
    project.provide('realkernel', {
      ok: true,
      port: reuse,
      dir: lab.dir,
      work: lab.work,
      bootSeconds: 0,
    })
    return () => Promise.resolve()
  }
  const handle: VmHandle = lab.ok ? await bootVm(lab) : lab
  if (handle.ok)
    console.log(`realkernel: VM up on 127.0.0.1:${handle.port} in ${handle.bootSeconds} s`)
  else console.log(`realkernel: SKIPPED, ${handle.reason}`)
  project.provide('realkernel', handle)
  return () => stopVm(handle)
}
