import { randomUUID } from 'node:crypto'
import { EventBus } from './bus'
import type { SimClock } from './clock'
import { LockTableImpl } from './locks'
import type { Card, Pf } from './mlx5-types'
import { NetdevTable } from './netdev'
import { dmesgLine, PrintkRing, type PrintkRecord } from './printk'
import type { NetdevsimDevice } from './netdevsim'
import { RdmaTable } from './rdma'

/** Kernel profile: `fixed` has the May 2026 representor series applied, `pre-series` does not. */
export type KernelProfile = 'fixed' | 'pre-series'

/** A devlink netlink notification (`devlink monitor`). */
export interface DevlinkEvent {
  /** `status`: a health reporter changed state (DEVLINK_CMD_HEALTH_REPORTER_RECOVER). */
  readonly command: 'new' | 'del' | 'status'
  readonly object: 'dev' | 'port' | 'health'
  readonly handle: string
  /** The object's attributes as `devlink -j port show` prints them. */
  readonly attrs: Record<string, unknown>
}

/** One printk record (seq, seconds since boot, prio, text): see ./printk.ts. */
export type DmesgRecord = PrintkRecord

/**
 * Tracing state: which mlx5 fw tracer event directories are enabled, and the ftrace ring size
 * per CPU in KiB (`buffer_size_kb`; a `trace_pipe` reader that falls behind keeps at most
 * `bufferSizeKb × 1024 × TRACE_CPUS` bytes of unread events, vfs/trace-ring.ts).
 */
export interface TracingState {
  on: boolean
  mlx5Fw: boolean
  fwTracer: boolean
  bufferSizeKb: number
}

/** CPUs of the simulated host, as the trace header says (`#P:2`) and the ring is sized. */
export const TRACE_CPUS = 2

/**
 * Default `buffer_size_kb`: 1408 KiB per CPU (kernel/trace/trace.c TRACE_BUF_SIZE_DEFAULT
 * 1441792 bytes), shown once the ring has been expanded (here at boot, by the enabled event).
 */
export const TRACE_BUF_SIZE_KB_DEFAULT = 1408

const TRACE_RING = 20000
const DMESG_RING = 20000

/**
 * The simulated kernel of one host: modules, printk ring, ftrace ring, netdevs, RDMA
 * devices, cards and their PFs, the netdevsim device, flock table and process table.
 *
 * Operations on mlx5 state live in ./eswitch.ts, ./sriov.ts, ./reps.ts, ./mlx5-ib.ts,
 * ./health.ts and ./driver.ts; they all act on this object.
 */
export class Kernel {
  bootId = randomUUID()
  readonly release = '6.12.0-replab'
  readonly modules = new Set<string>(['mlx5_core', 'mlx5_ib', 'netdevsim'])
  /** The printk ring (sequence numbers, overwrite, `dmesg -C`): ./printk.ts. */
  readonly dmesg = new PrintkRing(DMESG_RING)
  readonly dmesgEvents = new EventBus<DmesgRecord>()
  readonly trace: string[] = []
  traceRead = 0
  readonly traceEvents = new EventBus<string>()
  readonly tracing: TracingState = {
    on: true,
    mlx5Fw: true,
    fwTracer: false,
    bufferSizeKb: TRACE_BUF_SIZE_KB_DEFAULT,
  }
  readonly devlinkEvents = new EventBus<DevlinkEvent>()
  readonly netdevs = new NetdevTable()
  readonly rdma = new RdmaTable()
  readonly locks = new LockTableImpl()
  readonly cards: Card[] = []
  netdevsim?: NetdevsimDevice
  /** `hang <substring>` faults: commands containing one block until killed. */
  readonly hangPatterns: string[] = []
  private fwTimestamp = 0x1d2c3b4a5f6e7n

  constructor(
    readonly hostname: string,
    readonly profile: KernelProfile,
    readonly clock: SimClock,
  ) {}

  /** All PFs of all cards, in PCI address order. */
  get pfs(): Pf[] {
    if (this.pfCache?.cards !== this.cards.length) {
      const list = this.cards.flatMap((c) => c.pfs).sort((a, b) => (a.bdf < b.bdf ? -1 : 1))
      this.pfCache = { cards: this.cards.length, list }
    }
    return this.pfCache.list
  }

  private pfCache?: { cards: number; list: Pf[] }

  /** PF by BDF. */
  pf(bdf: string): Pf | undefined {
    return this.pfs.find((p) => p.bdf === bdf)
  }

  /**
   * Appends a printk record (`text` without the timestamp); `prio` = facility × 8 + level,
   * default 6 (KERN_INFO of the kernel facility, as `dev_info`).
   */
  printk(text: string, prio = 6): void {
    const record = this.dmesg.push(this.clock.uptime(), text, prio)
    this.dmesgEvents.emit(record)
  }

  /** `mlx5_core <bdf>: <msg>` (dev_info style). */
  devLog(bdf: string, msg: string): void {
    this.printk(`mlx5_core ${bdf}: ${msg}`)
  }

  /** Formats one record like `dmesg` does (controls escaped). */
  formatDmesg(record: DmesgRecord): string {
    return dmesgLine(record)
  }

  /**
   * Emits an `mlx5:mlx5_fw` trace event from the PF that owns the fw tracer (PF0 of the card).
   *
   * Format: ftrace prefix + `TP_printk("%s [0x%llx] %d [0x%x] %s", …)` (docs/domain.md §3.1).
   */
  fwTrace(pf: Pf, msg: string, eventId = 0): void {
    if (!this.tracing.on || !(this.tracing.mlx5Fw || this.tracing.fwTracer)) return
    const owner = pf.card.pfs[0] ?? pf
    this.fwTimestamp += BigInt(1000 + Math.floor(Math.random() * 5000))
    const event = this.tracing.mlx5Fw ? 'mlx5_fw' : 'fw_tracer'
    const head = `${'kworker/u96:2'.padStart(16)}-${'1234'.padEnd(7)} [003] ..... ${this.clock.uptime().toFixed(6).padStart(12)}: `
    const line = `${head}${event}: ${owner.bdf} [0x${this.fwTimestamp.toString(16)}] 0 [0x${eventId.toString(16)}] ${msg}\n`
    this.trace.push(line)
    if (this.trace.length > TRACE_RING) {
      this.trace.shift()
      this.traceRead = Math.max(0, this.traceRead - 1)
    }
    this.traceEvents.emit(line)
  }

  /** Emits a devlink notification. */
  devlinkNotify(event: DevlinkEvent): void {
    this.devlinkEvents.emit(event)
  }
}
