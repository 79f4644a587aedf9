import { Mutex } from './bus'
import type { CardModelInfo } from './catalog'

/** devlink E-Switch modes (docs/domain.md §1.1). */
export type EswitchMode = 'legacy' | 'switchdev' | 'switchdev_inactive'

/** Representor state per vport and type (include/linux/mlx5/eswitch.h, docs/domain.md §1.5). */
export type RepState = 'UNREGISTERED' | 'REGISTERED' | 'LOADED'

/** `MLX5_VPORT_UPLINK` (include/linux/mlx5/vport.h). */
export const UPLINK_VPORT = 0xffff

/** One representor slot (vport) with its ETH and IB representor states. */
export interface Rep {
  readonly vport: number
  eth: RepState
  ib: RepState
  /** Representor netdev while ETH is LOADED. */
  netdev?: string
  /** `devlink port function` hw_addr (00:00:00:00:00:00 until set). */
  hwAddr?: string
  /** The vport's devlink port is registered (VF ports: vport enabled in switchdev). */
  port?: boolean
  /** Stale IB attachment left by the pre-series registration race (netdev gone, IB port kept). */
  staleIbNetdev?: string
}

/** A virtual function of a PF. */
export interface Vf {
  readonly index: number
  readonly bdf: string
  /** Bound to mlx5_core. */
  bound: boolean
  /** The passthrough driver bound instead of mlx5_core (`vfio-pci`), e.g. for a VM. */
  passthrough?: string
  netdev?: string
  ibdev?: string
  /** The VF's own devlink health reporters (it has its own devlink instance when bound). */
  reporters: Reporter[]
}

/** A devlink health reporter (devlink core + mlx5 health.c, docs/domain.md §2.4). */
export interface Reporter {
  /** mlx5: fw, fw_fatal, tx, rx, vnic; netdevsim: empty, dummy. */
  readonly name: string
  state: 'healthy' | 'error'
  error: number
  recover: number
  /** Only reporters with a `recover` op have a grace period and auto_recover. */
  gracePeriod?: number
  autoRecover?: boolean
  autoDump: boolean
  lastDump?: Date
  dump?: Record<string, unknown>
  /** performance.now() of the last successful recovery (grace period check). */
  lastRecoverAt?: number
}

/** A physical card (one or more PFs sharing a switch id and system image GUID). */
export interface Card {
  readonly info: CardModelInfo
  readonly bus: number
  readonly domain: number
  readonly serial: string
  readonly switchId: string
  readonly ofed: boolean
  readonly pfs: Pf[]
  /** mlxconfig `SW_RECOVERY_ON_ERRORS` (firmware RFR support; NVIDIA "Reset Flow"). */
  swRecoveryOnErrors: boolean
}

/** Creates the device-level reporters of a PF or VF (grace: PF 60000, VF 30000, ECPF 180000 ms). */
export function deviceReporters(grace: number): Reporter[] {
  return [
    { name: 'fw', state: 'healthy', error: 0, recover: 0, autoDump: true },
    {
      name: 'fw_fatal',
      state: 'healthy',
      error: 0,
      recover: 0,
      gracePeriod: grace,
      autoRecover: true,
      autoDump: true,
    },
    { name: 'vnic', state: 'healthy', error: 0, recover: 0, autoDump: true },
  ]
}

/** Creates the uplink port's tx/rx reporters (mlx5e reporter_tx/rx.c: grace 500 ms). */
export function portReporters(): Reporter[] {
  return [
    {
      name: 'tx',
      state: 'healthy',
      error: 0,
      recover: 0,
      gracePeriod: 500,
      autoRecover: true,
      autoDump: true,
    },
    {
      name: 'rx',
      state: 'healthy',
      error: 0,
      recover: 0,
      gracePeriod: 500,
      autoRecover: true,
      autoDump: true,
    },
  ]
}

/** A physical function driven by mlx5_core. */
export class Pf {
  bound = true
  /** up: normal; error: fatal error being handled; unloaded: driver unloaded itself after a fatal error. */
  state: 'up' | 'error' | 'unloaded' = 'up'
  mode: EswitchMode = 'legacy'
  inlineMode = 'none'
  encapMode = 'basic'
  numVfs = 0
  autoprobe = true
  vfs: Vf[] = []
  netdev?: string
  ibdev?: string
  readonly reps = new Map<number, Rep>()
  reporters: Reporter[]
  uplinkReporters: Reporter[] = portReporters()
  /** Held by devlink operations (devlink instance lock) and sysfs SR-IOV configuration. */
  readonly devlinkLock = new Mutex()
  /** The per-E-Switch representor lock of the series (patch 3/7); used by the `fixed` profile. */
  readonly repsLock = new Mutex()
  /** Name of the E-Switch reconfiguration in progress (mode change, VF count change). */
  operation: string | null = null
  /** Set when mlx5_ib (un)registered reps during `operation` (pre-series race). */
  raced = false
  /** Sub-functions added with `devlink port add … flavour pcisf` (switchdev only). */
  sfs: { sfnum: number; index: number; netdev: string }[] = []
  readonly reloadStats = { driverReinit: 0, fwActivate: 0, fwActivateNoReset: 0 }
  reloadFailed = false
  /** Vports whose next IB representor load fails (fault `ib-rep-load-fail`). */
  readonly ibLoadFail = new Set<number>()
  crdump?: Buffer

  constructor(
    readonly card: Card,
    readonly bdf: string,
    readonly pfnum: number,
    readonly totalVfs: number,
  ) {
    this.reporters = deviceReporters(card.info.ecpf ? 180000 : 60000)
  }

  /** vhca_id: PF index on the card (PF0 0, PF1 1), as firmware assigns it on CX-5/6/7. */
  get vhcaId(): number {
    return this.pfnum
  }

  /** devlink port index of a vport: `(vhca_id << 16) | vport` (eswitch.h). */
  portIndex(vport: number): number {
    return (this.vhcaId << 16) | vport
  }

  /** devlink handle `pci/<bdf>`. */
  get handle(): string {
    return `pci/${this.bdf}`
  }

  /** Switchdev or switchdev_inactive: representors exist. */
  get offloads(): boolean {
    return this.mode !== 'legacy'
  }

  /** systemd predictable name stem `enp<bus>s<slot>f<fn>` from the PCI address. */
  get nameStem(): string {
    const [, bus = '0', slot = '0', fn = '0'] =
      /^[0-9a-f]+:([0-9a-f]+):([0-9a-f]+)\.([0-7])$/.exec(this.bdf) ?? []
    return `enp${parseInt(bus, 16)}s${parseInt(slot, 16)}f${parseInt(fn, 16)}`
  }

  /** Uplink netdev name: `enp8s0f0np0` (phys_port_name `p<pfnum>`). */
  get uplinkName(): string {
    return `${this.nameStem}np${this.pfnum}`
  }

  /** VF representor netdev name: `enp8s0f0npf0vf3` (phys_port_name `pf0vf3`). */
  repName(vf: number): string {
    return `${this.nameStem}npf${this.pfnum}vf${vf}`
  }

  /** VF netdev name as systemd names SR-IOV VFs: `enp8s0f0v3`. */
  vfName(vf: number): string {
    return `${this.nameStem}v${vf}`
  }

  /** Number of vports the IB representor device has ports for: PF + VFs + uplink (+ ECPF). */
  get totalVports(): number {
    return this.totalVfs + 2 + (this.card.info.ecpf ? 1 : 0)
  }

  /** IB representor port of a vport: `vport_index + 1`, uplink on the last port (docs/domain.md §1.6). */
  ibPortOf(vport: number): number {
    return vport === UPLINK_VPORT ? this.totalVports : vport + 1
  }
}
