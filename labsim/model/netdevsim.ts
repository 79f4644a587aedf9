import { randomBytes } from 'node:crypto'
import { KernelError } from './errno'
import type { Kernel } from './kernel'
import type { Reporter } from './mlx5-types'
import { macFor } from './netdev'
import type { PortView } from './views'

/**
 * The kernel's netdevsim device (drivers/net/netdevsim, docs/domain.md §6), as captured in
 * test/fixtures/netdevsim: id 10, one physical port `eni10np1` (port index 0, `port 1`), max_vfs 4,
 * VF rep ports `128 + i` in switchdev. Differences from mlx5 kept on purpose: writing 0 VFs in
 * switchdev silently returns to legacy; > max_vfs is ENOMEM; only `mode` in eswitch show;
 * reload supports driver_reinit only and resets to legacy with 0 VFs; no inline/encap mode.
 */
export class NetdevsimDevice {
  readonly id = 10
  bound = true
  mode: 'legacy' | 'switchdev' = 'legacy'
  numVfs = 0
  maxVfs = 4
  failReload = false
  dontAllowReload = false
  failRecover = false
  reloadFailed = false
  reloads = 0
  readonly switchId = '85e631b35ee474f648d594b48f36355e736591991a37d31ab96f4569b9512f7d'
  reporters: Reporter[] = []
  private repNetdevs: string[] = []

  constructor(private readonly kernel: Kernel) {
    this.resetReporters()
    this.addPortNetdev()
  }

  get name(): string {
    return `netdevsim${this.id}`
  }

  get handle(): string {
    return `netdevsim/${this.name}`
  }

  get portName(): string {
    return `eni${this.id}np1`
  }

  private resetReporters(): void {
    this.reporters = [
      { name: 'empty', state: 'healthy', error: 0, recover: 0, autoDump: true },
      {
        name: 'dummy',
        state: 'healthy',
        error: 0,
        recover: 0,
        gracePeriod: 0,
        autoRecover: true,
        autoDump: true,
      },
    ]
  }

  private addPortNetdev(): void {
    this.kernel.netdevs.add({
      name: this.portName,
      kind: 'sim',
      mac: macFor(this.portName),
      mtu: 1500,
      up: false,
      physPortName: 'p1',
      physSwitchId: this.switchId,
      parent: { bus: 'netdevsim', dev: this.name },
      driver: 'netdevsim',
    })
  }

  /** devlink ports: physical port 0, then VF reps 128+i in switchdev (dump order). */
  ports(): PortView[] {
    if (!this.instanceUp) return []
    const physical = {
      type: 'eth',
      netdev: this.portName,
      flavour: 'physical',
      port: 1,
      splittable: false,
    }
    const out: PortView[] = [{ devHandle: this.handle, index: 0, attrs: physical }]
    this.repNetdevs.forEach((netdev, i) => {
      out.push({ devHandle: this.handle, index: 128 + i, attrs: this.vfAttrs(i, netdev) })
    })
    return out
  }

  private vfAttrs(i: number, netdev?: string): Record<string, unknown> {
    const head = netdev ? { type: 'eth', netdev } : { type: 'notset' }
    return {
      ...head,
      flavour: 'pcivf',
      controller: 0,
      pfnum: 0,
      vfnum: i,
      external: false,
      splittable: false,
    }
  }

  private addReps(): void {
    for (let i = 0; i < this.numVfs; i++) {
      const handle = `${this.handle}/${128 + i}`
      this.kernel.devlinkNotify({ command: 'new', object: 'port', handle, attrs: this.vfAttrs(i) })
      this.kernel.devlinkNotify({
        command: 'new',
        object: 'port',
        handle,
        attrs: this.vfAttrs(i, `eth${i}`),
      })
      const name = `eni${this.id}npf0vf${i}`
      this.kernel.netdevs.add({
        name,
        kind: 'rep',
        mac: macFor(name),
        mtu: 1500,
        up: false,
        physPortName: `pf0vf${i}`,
        physSwitchId: this.switchId,
        parent: { bus: 'netdevsim', dev: this.name },
        driver: 'netdevsim',
      })
      this.repNetdevs.push(name)
    }
  }

  private removeReps(): void {
    for (let i = this.repNetdevs.length - 1; i >= 0; i--) {
      const handle = `${this.handle}/${128 + i}`
      this.kernel.netdevs.remove(this.repNetdevs[i])
      this.kernel.devlinkNotify({ command: 'new', object: 'port', handle, attrs: this.vfAttrs(i) })
      this.kernel.devlinkNotify({ command: 'del', object: 'port', handle, attrs: this.vfAttrs(i) })
    }
    this.repNetdevs = []
  }

  /** The dummy reporter's fmsg (drivers/net/netdevsim/health.c `nsim_dev_dummy_fmsg_put`). */
  dummyDump(): Record<string, unknown> {
    return {
      test_bool: true,
      test_u8: 1,
      test_u32: 3,
      test_u64: 4,
      test_string: 'somestring',
      test_binary: [...randomBytes(16)],
      test_nest: { nested_test_bool: false, nested_test_u8: 0 },
    }
  }

  /** `devlink dev eswitch set netdevsim/netdevsim10 mode X`. */
  setMode(mode: string): void {
    if (mode !== 'legacy' && mode !== 'switchdev') throw new KernelError('EINVAL')
    if (mode === this.mode) return
    if (mode === 'switchdev') {
      this.mode = 'switchdev'
      this.addReps()
    } else {
      this.removeReps()
      this.mode = 'legacy'
    }
  }

  /** Store to sriov_numvfs (nsim_drv_configure_vfs): 0 in switchdev → legacy. */
  setNumVfs(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new KernelError('EINVAL')
    if (n === this.numVfs) return
    if (this.numVfs > 0 && n > 0) throw new KernelError('EBUSY')
    if (n > this.maxVfs) throw new KernelError('ENOMEM')
    if (n === 0) {
      this.removeReps()
      this.numVfs = 0
      this.mode = 'legacy'
      return
    }
    this.numVfs = n
    if (this.mode === 'switchdev') this.addReps()
  }

  /**
   * `devlink dev reload` (driver_reinit), as drivers/net/netdevsim/dev.c (6.1) does it:
   * `reload_down` refuses with `dont_allow_reload`, else tears the instance down (VFs to 0,
   * legacy, every port, the health reporters and their debugfs) unless a failed reload already
   * did; `reload_up` fails with `fail_reload` — devlink then reports `reload_failed` and the
   * instance stays down — else rebuilds it with fresh reporters (counters back to 0).
   */
  reload(): void {
    if (this.dontAllowReload)
      throw new KernelError('EOPNOTSUPP', 'netdevsim: User forbid the reload for testing purposes')
    if (!this.reloadFailed) this.tearDown()
    if (this.failReload) {
      this.reloadFailed = true
      throw new KernelError(
        'EINVAL',
        'netdevsim: User setup the reload to fail for testing purposes',
      )
    }
    this.reloadFailed = false
    this.reloads++
    this.resetReporters()
    this.addPortNetdev()
  }

  /** The instance is up: not left down by a failed reload (ports, reporters, health debugfs). */
  get instanceUp(): boolean {
    return this.bound && !this.reloadFailed
  }

  private tearDown(): void {
    this.removeReps()
    this.kernel.netdevs.remove(this.portName)
    this.mode = 'legacy'
    this.numVfs = 0
    this.reporters = []
  }

  /** Bus driver unbind (`/sys/bus/netdevsim/drivers/netdevsim/unbind`). */
  unbind(): void {
    if (!this.bound) throw new KernelError('ENODEV')
    this.removeReps()
    this.kernel.netdevs.remove(this.portName)
    this.numVfs = 0
    this.mode = 'legacy'
    this.bound = false
  }

  /** Bus driver bind. */
  bind(): void {
    if (this.bound) throw new KernelError('EBUSY')
    this.bound = true
    this.resetReporters()
    this.addPortNetdev()
  }
}
