import { KernelError } from '../model/errno'
import type { Kernel } from '../model/kernel'
import type { NetdevsimDevice } from '../model/netdevsim'
import type { VDir, VNode } from './nodes'
import { attr, dir, link, rwAttr, woAttr } from './nodes'
import { parseStoreInt } from './sysfs-pci'
import { deviceNet } from './sysfs-net'

const yes = (v: string): boolean => /^[Yy1]/.test(v.trim())

/** `/sys/devices/netdevsim10`. */
export function netdevsimDevice(kernel: Kernel, sim: NetdevsimDevice): VDir {
  return dir(() => {
    const entries: [string, VNode][] = [
      [
        'sriov_numvfs',
        rwAttr(
          () => sim.numVfs,
          (v) => sim.setNumVfs(parseStoreInt(v)),
        ),
      ],
      ['net', deviceNet(kernel, 'netdevsim', sim.name)],
      ['new_port', woAttr(() => undefined)],
      ['del_port', woAttr(() => undefined)],
    ]
    if (sim.bound) entries.push(['driver', link('../../bus/netdevsim/drivers/netdevsim')])
    return entries
  })
}

/** `/sys/bus/netdevsim` (bus device links, driver bind/unbind). */
export function busNetdevsim(sim: NetdevsimDevice): VDir {
  const bindName = (v: string): void => {
    if (v.trim() !== sim.name) throw new KernelError('ENODEV')
  }
  const driver = dir(() => [
    ['bind', woAttr((v) => (bindName(v), sim.bind()))],
    ['unbind', woAttr((v) => (bindName(v), sim.unbind()))],
    ['module', link('../../../../module/netdevsim')],
    ['uevent', woAttr(() => undefined)],
  ])
  return dir(() => [
    ['devices', dir(() => [[sim.name, link(`../../../devices/${sim.name}`)]])],
    ['drivers', dir(() => [['netdevsim', driver]])],
    // drivers/base/bus.c drivers_probe_store: binds an unbound device, no-op when bound
    ['drivers_probe', woAttr((v) => (bindName(v), sim.bound ? undefined : sim.bind()))],
    ['drivers_autoprobe', attr(() => '1\n')],
    [
      'new_device',
      woAttr(() => {
        throw new KernelError('EEXIST')
      }),
    ],
    [
      'del_device',
      woAttr(() => {
        throw new KernelError('EBUSY')
      }),
    ],
  ])
}

/** `/sys/kernel/debug/netdevsim/netdevsim10` knobs used by the selftests (§6). */
export function netdevsimDebugfs(kernel: Kernel, sim: NetdevsimDevice): VDir {
  const dummy = (): NonNullable<NetdevsimDevice['reporters'][number]> | undefined =>
    sim.reporters.find((r) => r.name === 'dummy')
  const health = dir(() => [
    ['break_health', woAttr(() => breakHealth(kernel, sim))],
    [
      'fail_recover',
      rwAttr(
        () => (sim.failRecover ? 'Y' : 'N'),
        (v) => void (sim.failRecover = yes(v)),
      ),
    ],
    [
      'binary_len',
      rwAttr(
        () => 16,
        () => undefined,
      ),
    ],
  ])
  void dummy
  return dir(() => [
    [
      'max_vfs',
      rwAttr(
        () => sim.maxVfs,
        (v) => {
          if (sim.numVfs > 0) throw new KernelError('EBUSY')
          sim.maxVfs = parseStoreInt(v)
        },
      ),
    ],
    [
      'fail_reload',
      rwAttr(
        () => (sim.failReload ? 'Y' : 'N'),
        (v) => void (sim.failReload = yes(v)),
      ),
    ],
    [
      'dont_allow_reload',
      rwAttr(
        () => (sim.dontAllowReload ? 'Y' : 'N'),
        (v) => void (sim.dontAllowReload = yes(v)),
      ),
    ],
    // health/ goes with the reporters when a failed reload left the instance down (dev.c, 6.1)
    ...(sim.instanceUp ? [['health', health] as [string, VNode]] : []),
    ['ports', dir(() => [['0', dir(() => [])]])],
    ['take_snapshot', woAttr(() => undefined)],
    ['bpf_bind_accept', attr(() => 'Y')],
  ])
}

/** debugfs `health/break_health`: report to `dummy` (auto-recover unless disabled). */
function breakHealth(kernel: Kernel, sim: NetdevsimDevice): void {
  const r = sim.reporters.find((x) => x.name === 'dummy')
  if (!r) return
  r.error++
  r.state = 'error'
  if (r.autoDump) {
    r.lastDump = new Date()
    r.dump = sim.dummyDump()
  }
  void kernel
  if (r.autoRecover) {
    if (sim.failRecover) throw new KernelError('EINVAL')
    r.recover++
    r.state = 'healthy'
  }
}
