import type {
  Change,
  Device,
  HostSnapshot,
  Netdev,
  Port,
  RdmaLink,
  SnapshotDiff,
} from '../../../contract'
import { DMESG_COMMAND } from '../../../main/engine/dmesg'

/**
 * A small model of an mlx5 host, just enough for drill flows: modules, one PF per device with
 * E-Switch mode, VFs, ETH/IB representors, fw_fatal counters, dmesg and the flock advisory lock.
 * `profile` switches between the fixed kernel and the pre-series bugs of domain.md §4.
 */

interface FakePf {
  handle: string
  bdf: string
  base: string
  bound: boolean
  mode: 'legacy' | 'switchdev'
  numvfs: number
  vfBound: boolean[]
  ethGone: Set<number>
  ibMissing: Set<number>
  ibLoaded: boolean
  fatal: { error: number; recover: number; state: string }
  ifs: Map<string, number>
}

export interface FakeOptions {
  profile?: 'fixed' | 'pre-series'
  inject?: boolean
  /** VF reset also re-creates the PF netdev (a broken isolation). */
  leakyReset?: boolean
  /** dmesg gets a lockdep splat on the next mode change. */
  splatOnModeChange?: boolean
}

export class FakeHost {
  readonly profile: 'fixed' | 'pre-series'
  readonly options: FakeOptions
  modules = { mlx5_core: true, mlx5_ib: true }
  readonly pfs: FakePf[] = []
  readonly log: string[] = []
  readonly dmesg: string[] = []
  readonly locks = new Map<string, string>()
  private ifindex = 10
  private time = 100
  private ibFail: { handle: string; vport: number } | undefined
  private readonly listeners = new Set<(s: HostSnapshot, d: SnapshotDiff) => void>()
  private last: HostSnapshot

  constructor(options: FakeOptions = {}) {
    this.options = options
    this.profile = options.profile ?? 'fixed'
    this.pfs.push(this.newPf('pci/0000:08:00.0', '0000:08:00.0', 'enp8s0f0'))
    this.last = this.snapshot()
  }

  private newPf(handle: string, bdf: string, base: string): FakePf {
    const pf: FakePf = {
      handle,
      bdf,
      base,
      bound: true,
      mode: 'legacy',
      numvfs: 0,
      vfBound: [],
      ethGone: new Set(),
      ibMissing: new Set(),
      ibLoaded: true,
      fatal: { error: 0, recover: 0, state: 'healthy' },
      ifs: new Map(),
    }
    this.renew(pf, `${base}np0`)
    return pf
  }

  private renew(pf: FakePf, name: string): void {
    pf.ifs.set(name, ++this.ifindex)
  }

  /** Appends a printk record in /dev/kmsg form (`<prio>,<seq>,<usec>,-;<text>`). */
  kmsg(line: string): void {
    this.time += 0.5
    this.dmesg.push(`6,${this.dmesg.length},${Math.round(this.time * 1e6)},-;${line}`)
  }

  pf(): FakePf {
    const pf = this.pfs[0]
    if (!pf) throw new Error('no pf')
    return pf
  }

  /** Runs one command against the model (a command-table interpreter, hence its length). */
  run(cmd: string): { code: number; stdout: string; stderr: string } {
    this.log.push(cmd)
    const ok = (stdout = ''): { code: number; stdout: string; stderr: string } => ({
      code: 0,
      stdout,
      stderr: '',
    })
    const fail = (stderr: string): { code: number; stdout: string; stderr: string } => ({
      code: 1,
      stdout: '',
      stderr,
    })
    const pf = this.pf()
    let m: RegExpExecArray | null
    if (cmd === '[ -e /sys/kernel/debug/labsim/inject ]')
      return this.options.inject ? ok() : fail('')
    if (cmd === DMESG_COMMAND) {
      const stderr = "dd: error reading '/dev/kmsg': Resource temporarily unavailable\n"
      return { code: 1, stdout: this.dmesg.map((l) => `${l}\n`).join(''), stderr }
    }
    if ((m = /^cat \/run\/replab\/(.+)\.owner$/.exec(cmd)))
      return ok(`${this.locks.get(m[1] ?? '') ?? ''}\n`)
    if (cmd === 'modprobe -r mlx5_ib') {
      this.modules.mlx5_ib = false
      pf.ibLoaded = false
      return this.changed(ok())
    }
    if (cmd === 'modprobe mlx5_ib') {
      this.modules.mlx5_ib = true
      // pre-series: registering the IB rep ops in switchdev loads nothing (domain.md §4.1)
      if (pf.mode === 'legacy' || this.profile === 'fixed')
        setTimeout(() => this.changed((pf.ibLoaded = true)), 5)
      return this.changed(ok())
    }
    if ((m = /^devlink dev eswitch set (\S+) mode (\S+)$/.exec(cmd))) {
      if (!pf.bound || m[1] !== pf.handle) return fail('devlink answers: No such device')
      pf.mode = m[2] === 'switchdev' ? 'switchdev' : 'legacy'
      pf.ibLoaded = this.modules.mlx5_ib
      pf.ethGone.clear()
      pf.ibMissing.clear()
      this.renew(pf, `${pf.base}np0`)
      for (let i = 0; i < pf.numvfs; i++) this.renew(pf, `${pf.base}npf0vf${i}`)
      this.kmsg(
        `mlx5_core ${pf.bdf}: E-Switch: Enable: mode(${pf.mode === 'switchdev' ? 'OFFLOADS' : 'LEGACY'}), nvfs(${pf.numvfs})`,
      )
      if (this.options.splatOnModeChange)
        this.kmsg('WARNING: possible circular locking dependency detected')
      return this.changed(ok())
    }
    if ((m = /^echo (\d+) > \/sys\/bus\/pci\/devices\/(\S+)\/sriov_numvfs$/.exec(cmd))) {
      const n = Number(m[1])
      if (pf.numvfs > 0 && n > 0 && n !== pf.numvfs)
        return fail('sh: echo: write error: Device or resource busy')
      pf.numvfs = n
      pf.vfBound = Array.from({ length: n }, () => true)
      for (let i = 0; i < n; i++) {
        this.renew(pf, `${pf.base}v${i}`)
        this.renew(pf, `${pf.base}npf0vf${i}`)
      }
      return this.changed(ok())
    }
    if ((m = /^echo (\S+) > \/sys\/bus\/pci\/devices\/(\S+)\/driver\/unbind$/.exec(cmd))) {
      const vf = this.vfIndex(m[1] ?? '')
      if (vf !== undefined) pf.vfBound[vf] = false
      else Object.assign(pf, { bound: false, numvfs: 0, vfBound: [], mode: 'legacy' })
      return this.changed(ok())
    }
    if ((m = /^echo (\S+) > \/sys\/bus\/pci\/drivers\/mlx5_core\/bind$/.exec(cmd))) {
      const vf = this.vfIndex(m[1] ?? '')
      if (vf !== undefined) pf.vfBound[vf] = true
      else {
        pf.bound = true
        this.renew(pf, `${pf.base}np0`)
      }
      return this.changed(ok())
    }
    if ((m = /^echo 1 > \/sys\/bus\/pci\/devices\/(\S+)\/reset$/.exec(cmd))) {
      const vf = this.vfIndex(m[1] ?? '')
      if (vf !== undefined) this.renew(pf, `${pf.base}v${vf}`)
      if (this.options.leakyReset) this.renew(pf, `${pf.base}np0`)
      return this.changed(ok())
    }
    if (/^devlink dev reload \S+ action \S+$/.test(cmd)) {
      pf.ethGone.clear()
      pf.ibMissing.clear()
      pf.ibLoaded = this.modules.mlx5_ib
      if (this.ibFail && pf.mode === 'switchdev') {
        const vf = this.ibFail.vport - 1
        pf.ibMissing.add(vf)
        // pre-series unwind tears down the already-loaded ETH rep too (domain.md §4.3)
        if (this.profile === 'pre-series') pf.ethGone.add(vf)
        this.ibFail = undefined
      }
      return this.changed(ok('reload_actions_performed:\n  driver_reinit\n'))
    }
    if ((m = /^echo '?(.+?)'? > \/sys\/kernel\/debug\/labsim\/inject$/.exec(cmd))) {
      const words = (m[1] ?? '').split(' ')
      if (words[0] === 'fw-assert') {
        pf.fatal.error++
        this.kmsg(`mlx5_core ${pf.bdf}: poll_health:694:(pid 0): Fatal error 1 detected`)
        setTimeout(() => {
          pf.fatal.recover++
          this.kmsg(`mlx5_core ${pf.bdf}: health recovery succeeded`)
          this.changed(0)
        }, 5)
      } else if (words[0] === 'ib-rep-load-fail')
        this.ibFail = { handle: words[1] ?? '', vport: Number(words[2]) }
      return this.changed(ok())
    }
    if (/^devlink health dump show \S+ reporter fw_fatal$/.test(cmd))
      return ok('crdump_data:\n 00 01 02 03\n')
    return { code: 127, stdout: '', stderr: `sh: unknown command: ${cmd}` }
  }

  private vfIndex(bdf: string): number | undefined {
    const m = /^0000:08:00\.([1-7])$/.exec(bdf)
    return m ? Number(m[1]) - 1 : undefined
  }

  private changed<T>(value: T): T {
    const next = this.snapshot()
    const changes: Change[] = []
    const before = new Map((this.last.netdevs ?? []).map((n) => [n.ifname, n.ifindex]))
    for (const n of next.netdevs ?? []) {
      const was = before.get(n.ifname)
      if (was === undefined) changes.push({ kind: 'added', entity: 'netdev', key: n.ifname })
      else if (was !== n.ifindex)
        changes.push({
          kind: 'changed',
          entity: 'netdev',
          key: n.ifname,
          field: 'ifindex',
          before: was,
          after: n.ifindex,
        })
      before.delete(n.ifname)
    }
    for (const name of before.keys()) changes.push({ kind: 'removed', entity: 'netdev', key: name })
    const diff = { from: this.last.takenAt, to: next.takenAt, changes }
    this.last = next
    for (const l of [...this.listeners]) l(next, diff)
    return value
  }

  subscribe(l: (s: HostSnapshot, d: SnapshotDiff) => void): () => void {
    this.listeners.add(l)
    return () => this.listeners.delete(l)
  }

  /** The snapshot discovery would produce now. */
  snapshot(): HostSnapshot {
    const netdevs: Netdev[] = []
    const rdma: RdmaLink[] = []
    const devices: Device[] = []
    for (const pf of this.pfs.filter((p) => p.bound)) {
      const nd = (name: string): string => {
        netdevs.push({ ifindex: pf.ifs.get(name) ?? 0, ifname: name, operstate: 'UP' })
        return name
      }
      const uplink = nd(`${pf.base}np0`)
      const vfs = pf.vfBound.map((b, i) => ({
        bdf: `0000:08:00.${i + 1}`,
        vf: i,
        driver: b ? 'mlx5_core' : null,
        netdev: b ? nd(`${pf.base}v${i}`) : null,
      }))
      const ib = this.modules.mlx5_ib && pf.ibLoaded
      const total = 1 + pf.numvfs + 1
      const ibRef = (port: number): Port['ibRep'] =>
        ib && pf.mode === 'switchdev' ? { device: 'mlx5_2', port } : null
      const ports: Port[] = [
        { index: 65535, flavour: 'physical', netdev: uplink, ibRep: ibRef(total) },
      ]
      if (ib && pf.mode === 'switchdev')
        rdma.push({ device: 'mlx5_2', port: total, netdev: uplink, state: 'ACTIVE' })
      if (pf.mode === 'switchdev') {
        for (let i = 0; i < pf.numvfs; i++) {
          const netdev = pf.ethGone.has(i) ? null : nd(`${pf.base}npf0vf${i}`)
          const hasIb = ib && !pf.ibMissing.has(i)
          ports.push({
            index: i + 1,
            flavour: 'pcivf',
            pfnum: 0,
            vfnum: i,
            netdev,
            ibRep: hasIb ? { device: 'mlx5_2', port: i + 2 } : null,
          })
          if (hasIb) rdma.push({ device: 'mlx5_2', port: i + 2, netdev, state: 'ACTIVE' })
        }
      } else if (this.modules.mlx5_ib)
        rdma.push({ device: 'mlx5_0', port: 1, netdev: uplink, state: 'ACTIVE' })
      devices.push({
        handle: pf.handle,
        driver: 'mlx5_core',
        uplink,
        pci: { bdf: pf.bdf, deviceId: '101d', numvfs: pf.numvfs, totalvfs: 8, vfs },
        eswitch: { mode: pf.mode },
        ports,
        health: [
          {
            reporter: 'fw_fatal',
            state: pf.fatal.state,
            error: pf.fatal.error,
            recover: pf.fatal.recover,
          },
        ],
        crdump: 'devlink',
      })
    }
    return {
      takenAt: new Date().toISOString(),
      host: { name: 'fake-a', kernel: '6.15.0-fake', modules: { ...this.modules } },
      devices,
      rdma,
      netdevs,
    }
  }
}
