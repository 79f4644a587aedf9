import type { Change, HostSnapshot, SnapshotDiff } from '../../contract'
import { DMESG_COMMAND } from '../../main/engine/dmesg'
import { snapshotOf, type FakeModel } from './fake-mlx5-snapshot'

/**
 * The one hand-written model of an mlx5 host the tests share besides labsim: a ConnectX card with
 * one or two PFs (E-Switch mode, VFs bound or not, ETH/IB representors, SF representors,
 * fw_fatal counters), mlx5_ib, the firmware tracer, dmesg and the flock advisory lock. It runs
 * the engine's exact commands (`run`, a command-table interpreter) and answers the snapshot
 * discovery would produce (fake-mlx5-snapshot.ts). The engine's unit tests drive it through
 * FakeRunner/FakeSource (test/unit/engine/fake-ports.ts); the end-to-end fake `window.lab`
 * (test/e2e/harness/fake-lab.ts) runs the commands of the engine's `plan()` on it.
 *
 * `profile` switches between the fixed kernel and the pre-series bugs of docs/domain.md §4. Layout
 * after docs/domain.md §1.4 and §1.7: PF p at 0000:08:00.p, its VFs after the PFs' functions, uplink
 * port 65535 + p·0x10000, VF v at p·0x10000 + 1 + v, SFs from 0x8000.
 */

/** One PF of the card and what hangs off it. */
export interface FakePf {
  /** pfnum: 0 or 1. */
  readonly pfnum: number
  readonly handle: string
  readonly bdf: string
  /** Netdev name stem, e.g. `enp8s0f0`. */
  readonly base: string
  bound: boolean
  mode: 'legacy' | 'switchdev'
  numvfs: number
  vfBound: boolean[]
  /** VFs a test marks in use (VF index → why, as discovery words it: `bound to vfio-pci`). */
  vfInUse: Map<number, string>
  /** VFs whose link is down (during a function reset). */
  vfDown: Set<number>
  ethGone: Set<number>
  ibMissing: Set<number>
  ibLoaded: boolean
  fatal: { error: number; recover: number; state: string }
  ifs: Map<string, number>
}

/** How the modelled host behaves and looks. */
export interface FakeOptions {
  profile?: 'fixed' | 'pre-series'
  /** The labsim fault-injection file exists. */
  inject?: boolean
  /** VF reset also re-creates the PF netdev (a broken isolation). */
  leakyReset?: boolean
  /** dmesg gets a lockdep splat on the next mode change. */
  splatOnModeChange?: boolean
  /** PFs on the card (default 1). */
  ports?: 1 | 2
  /** SF representor ports on PF0 while in switchdev (default 0). */
  sfs?: number
  /** Host name in the snapshot (default `fake-a`). */
  name?: string
}

type Result = { code: number; stdout: string; stderr: string }
const ok = (stdout = ''): Result => ({ code: 0, stdout, stderr: '' })
const fail = (stderr: string): Result => ({ code: 1, stdout: '', stderr })

const TRACER = '/sys/kernel/debug/tracing/events/mlx5/mlx5_fw/enable'

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0')
}

/** The BDF of VF `v` of PF `pfnum` on a card with `ports` PFs (functions after the PFs'). */
export function vfBdf(ports: number, pfnum: number, v: number): string {
  const fn = ports + v
  return `0000:08:${hex2(pfnum * 4 + Math.floor(fn / 8))}.${fn % 8}`
}

/** The model (see the module doc). */
export class FakeHost implements FakeModel {
  readonly profile: 'fixed' | 'pre-series'
  readonly options: FakeOptions
  readonly ports: number
  modules = { mlx5_core: true, mlx5_ib: true }
  readonly pfs: FakePf[] = []
  readonly log: string[] = []
  readonly dmesg: string[] = []
  readonly locks = new Map<string, string>()
  tracer = false
  private ifindex = 10
  private time = 100
  private ibFail: { handle: string; vport: number } | undefined
  private readonly listeners = new Set<(s: HostSnapshot, d: SnapshotDiff) => void>()
  private last: HostSnapshot

  constructor(options: FakeOptions = {}) {
    this.options = options
    this.profile = options.profile ?? 'fixed'
    this.ports = options.ports ?? 1
    for (let p = 0; p < this.ports; p++) this.pfs.push(this.newPf(p))
    this.last = this.snapshot()
  }

  private newPf(pfnum: number): FakePf {
    const base = `enp8s0f${pfnum}`
    const pf: FakePf = {
      pfnum,
      handle: `pci/0000:08:00.${pfnum}`,
      bdf: `0000:08:00.${pfnum}`,
      base,
      bound: true,
      mode: 'legacy',
      numvfs: 0,
      vfBound: [],
      vfInUse: new Map(),
      vfDown: new Set(),
      ethGone: new Set(),
      ibMissing: new Set(),
      ibLoaded: true,
      fatal: { error: 0, recover: 0, state: 'healthy' },
      ifs: new Map(),
    }
    this.renew(pf, `${base}np${pfnum}`)
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

  /** PF0. */
  pf(): FakePf {
    const pf = this.pfs[0]
    if (!pf) throw new Error('no pf')
    return pf
  }

  /** The PF or VF with this BDF. */
  private fn(bdf: string): { pf: FakePf; vf?: number } | undefined {
    for (const pf of this.pfs) {
      if (pf.bdf === bdf) return { pf }
      for (let v = 0; v < pf.numvfs; v++)
        if (vfBdf(this.ports, pf.pfnum, v) === bdf) return { pf, vf: v }
    }
    return undefined
  }

  /** Runs one command against the model (a command-table interpreter, hence its length). */
  run(cmd: string): Result {
    this.log.push(cmd)
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
      for (const pf of this.pfs) pf.ibLoaded = false
      return this.changed(ok())
    }
    if (cmd === 'modprobe mlx5_ib') {
      this.modules.mlx5_ib = true
      // pre-series: registering the IB rep ops in switchdev loads nothing (docs/domain.md §4.1).
      // The load is asynchronous, 5 ms later (behaviour modelled, not a wait).
      for (const pf of this.pfs)
        if (pf.mode === 'legacy' || this.profile === 'fixed')
          setTimeout(() => this.changed((pf.ibLoaded = true)), 5)
      return this.changed(ok())
    }
    if ((m = /^echo ([01]) > (\S+)$/.exec(cmd)) && m[2] === TRACER) {
      this.tracer = m[1] === '1'
      return this.changed(ok())
    }
    if ((m = /^devlink dev eswitch set (\S+) mode (\S+)$/.exec(cmd))) return this.setMode(m)
    if ((m = /^echo (\d+) > \/sys\/bus\/pci\/devices\/(\S+)\/sriov_numvfs$/.exec(cmd)))
      return this.setVfs(Number(m[1]), m[2] ?? '')
    if ((m = /^echo (\S+) > \/sys\/bus\/pci\/devices\/(\S+)\/driver\/unbind$/.exec(cmd)))
      return this.bind(m[1] ?? '', false)
    if ((m = /^echo (\S+) > \/sys\/bus\/pci\/drivers\/mlx5_core\/bind$/.exec(cmd)))
      return this.bind(m[1] ?? '', true)
    // drivers/base/bus.c drivers_probe_store: the matching driver (mlx5_core) binds it
    if ((m = /^echo (\S+) > \/sys\/bus\/pci\/drivers_probe$/.exec(cmd)))
      return this.bind(m[1] ?? '', true)
    if ((m = /^echo 1 > \/sys\/bus\/pci\/devices\/(\S+)\/reset$/.exec(cmd)))
      return this.reset(m[1] ?? '')
    if ((m = /^devlink dev reload (\S+) action \S+$/.exec(cmd))) return this.reload(m[1] ?? '')
    if ((m = /^echo '?(.+?)'? > \/sys\/kernel\/debug\/labsim\/inject$/.exec(cmd)))
      return this.inject((m[1] ?? '').split(' '))
    if ((m = /^devlink health (recover|diagnose) (\S+) reporter (\S+)$/.exec(cmd)))
      return this.health(m[1] ?? '', m[2] ?? '', m[3] ?? '')
    if (/^devlink health dump show \S+ reporter fw_fatal$/.test(cmd))
      return ok('crdump_data:\n 00 01 02 03\n')
    return { code: 127, stdout: '', stderr: `sh: unknown command: ${cmd}` }
  }

  private setMode(m: RegExpExecArray): Result {
    const pf = this.pfs.find((p) => p.handle === m[1])
    if (!pf?.bound) return fail('devlink answers: No such device')
    pf.mode = m[2] === 'switchdev' ? 'switchdev' : 'legacy'
    pf.ibLoaded = this.modules.mlx5_ib
    pf.ethGone.clear()
    pf.ibMissing.clear()
    this.renew(pf, `${pf.base}np${pf.pfnum}`)
    for (let i = 0; i < pf.numvfs; i++) this.renew(pf, `${pf.base}npf${pf.pfnum}vf${i}`)
    const mode = pf.mode === 'switchdev' ? 'OFFLOADS' : 'LEGACY'
    this.kmsg(`mlx5_core ${pf.bdf}: E-Switch: Enable: mode(${mode}), nvfs(${pf.numvfs})`)
    if (this.options.splatOnModeChange)
      this.kmsg('WARNING: possible circular locking dependency detected')
    return this.changed(ok())
  }

  private setVfs(n: number, bdf: string): Result {
    const pf = this.pfs.find((p) => p.bdf === bdf) ?? this.pf()
    // drivers/pci/iov.c sriov_numvfs_store: nonzero -> different nonzero is -EBUSY (§1.3)
    if (pf.numvfs > 0 && n > 0 && n !== pf.numvfs)
      return fail('sh: echo: write error: Device or resource busy')
    if (n !== pf.numvfs) pf.vfInUse.clear()
    pf.numvfs = n
    pf.vfBound = Array.from({ length: n }, () => true)
    for (let i = 0; i < n; i++) {
      this.renew(pf, `${pf.base}v${i}`)
      this.renew(pf, `${pf.base}npf${pf.pfnum}vf${i}`)
    }
    return this.changed(ok())
  }

  private bind(bdf: string, bound: boolean): Result {
    const fn = this.fn(bdf)
    if (!fn) return fail('sh: echo: write error: No such device')
    const { pf, vf } = fn
    if (vf !== undefined) pf.vfBound[vf] = bound
    else if (!bound) Object.assign(pf, { bound: false, numvfs: 0, vfBound: [], mode: 'legacy' })
    else {
      pf.bound = true
      this.renew(pf, `${pf.base}np${pf.pfnum}`)
    }
    return this.changed(ok())
  }

  /** A function reset: the VF's netdev comes back new; its link is down for 5 ms. */
  private reset(bdf: string): Result {
    const fn = this.fn(bdf)
    const pf = fn?.pf ?? this.pf()
    const vf = fn?.vf
    if (vf !== undefined) {
      this.renew(pf, `${pf.base}v${vf}`)
      pf.vfDown.add(vf)
      setTimeout(() => this.changed(pf.vfDown.delete(vf)), 5)
    }
    if (this.options.leakyReset) this.renew(pf, `${pf.base}np${pf.pfnum}`)
    return this.changed(ok())
  }

  private reload(handle: string): Result {
    const pf = this.pfs.find((p) => p.handle === handle) ?? this.pf()
    pf.ethGone.clear()
    pf.ibMissing.clear()
    pf.ibLoaded = this.modules.mlx5_ib
    if (this.ibFail && pf.mode === 'switchdev') {
      const vf = this.ibFail.vport - 1
      pf.ibMissing.add(vf)
      // pre-series unwind tears down the already-loaded ETH rep too (docs/domain.md §4.3)
      if (this.profile === 'pre-series') pf.ethGone.add(vf)
      this.ibFail = undefined
    }
    return this.changed(ok('reload_actions_performed:\n  driver_reinit\n'))
  }

  private inject(words: string[]): Result {
    if (words[0] === 'fw-assert') {
      const pf = this.pfs.find((p) => p.handle === words[1]) ?? this.pf()
      pf.fatal.error++
      this.kmsg(`mlx5_core ${pf.bdf}: poll_health:694:(pid 0): Fatal error 1 detected`)
      // Recovery follows 5 ms later (behaviour modelled, not a wait).
      setTimeout(() => {
        pf.fatal.recover++
        this.kmsg(`mlx5_core ${pf.bdf}: health recovery succeeded`)
        this.changed(0)
      }, 5)
    } else if (words[0] === 'ib-rep-load-fail')
      this.ibFail = { handle: words[1] ?? '', vport: Number(words[2]) }
    return this.changed(ok())
  }

  /** `devlink health recover|diagnose`: recover clears an error; diagnose prints the fmsg. */
  private health(action: string, handle: string, reporter: string): Result {
    const pf = this.pfs.find((p) => p.handle === handle)
    if (!pf) return fail('devlink answers: No such device')
    if (action === 'diagnose')
      return ok(reporter === 'fw' ? 'Syndrome: 0\n' : `state: ${pf.fatal.state}\n`)
    if (reporter === 'fw_fatal' && pf.fatal.state === 'error') {
      pf.fatal.state = 'healthy'
      pf.fatal.recover++
    }
    return this.changed(ok())
  }

  /** Test hook: PF0's fw_fatal reporter in error after one more fatal error, or healthy. */
  setFatal(on: boolean): void {
    const fatal = this.pf().fatal
    if (on) fatal.error++
    fatal.state = on ? 'error' : 'healthy'
    this.changed(0)
  }

  /** Test hook: PF0 VF 1's IB representor missing (the late IB representor bug, §4.1). */
  setMissingIbRep(on: boolean): void {
    if (on) this.pf().ibMissing.add(1)
    else this.pf().ibMissing.delete(1)
    this.changed(0)
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
    return snapshotOf(this)
  }
}
