import type { HostSnapshot } from '../../contract/snapshot'
import { DISCOVERY_PARTS, type DiscoveryPart } from './discovery-script'

/**
 * What the host watcher still has to read, and who waits for it: the pending discovery parts,
 * the urgent subset to read first, and the callers waiting until the parts they asked for were
 * read by a refresh that started after they asked. Pure bookkeeping: watcher.ts runs the reads.
 */

/** One refresh to run: its parts, and whether known devices are read by path (no walk). */
export interface Stage {
  readonly parts: DiscoveryPart[]
  readonly direct: boolean
  /** Sequence number: refreshes are numbered in the order they start. */
  readonly seq: number
}

/** A caller waiting for `need` to be read by refreshes that start after `after` (a seq). */
interface Waiter {
  readonly need: Set<DiscoveryPart>
  readonly after: number
  resolve(s: HostSnapshot): void
  reject(e: unknown): void
}

/** The pending parts and their waiters (see the module comment). */
export class RefreshQueue {
  private readonly pending = new Set<DiscoveryPart>()
  /** Pending parts to read first (an event's `urgent`, a targeted `refresh`). */
  private readonly urgent = new Set<DiscoveryPart>()
  private waiters: Waiter[] = []
  private seq = 0
  /** An event's fast stage read known devices by path; a later stage walks sysfs for new ones. */
  private walkDue = false

  /** Nothing left to read. */
  get idle(): boolean {
    return this.pending.size === 0
  }

  /** The parts waiting to be read. */
  parts(): DiscoveryPart[] {
    return [...this.pending]
  }

  /** The next stage is a fast one (urgent parts only), which may overlap a refresh in flight. */
  get fast(): boolean {
    const all = this.pending.size === DISCOVERY_PARTS.length
    return !all && [...this.pending].some((p) => this.urgent.has(p))
  }

  /** Queues `parts` for a caller; resolves once each was read by a refresh started later. */
  wait(parts: readonly DiscoveryPart[], urgent: boolean): Promise<HostSnapshot> {
    this.mark(parts, urgent ? parts : [])
    return new Promise<HostSnapshot>((resolve, reject) => {
      this.waiters.push({ need: new Set(parts), after: this.seq, resolve, reject })
    })
  }

  /**
   * An event made `parts` dirty (`urgent` first); with `walk` a new device may have come, so
   * the sysfs walk is due after the urgent read.
   */
  event(parts: readonly DiscoveryPart[], urgent: readonly DiscoveryPart[], walk: boolean): void {
    this.mark(parts, urgent)
    if (walk && (parts.includes('pci') || parts.includes('eswitch'))) this.walkDue = true
  }

  private mark(parts: readonly DiscoveryPart[], urgent: readonly DiscoveryPart[]): void {
    for (const p of parts) this.pending.add(p)
    for (const p of urgent) this.urgent.add(p)
  }

  /**
   * Takes the next stage out of the pending parts: the urgent ones, read by path when a
   * discovery exists (`canDirect`), else everything pending (with the sysfs walk).
   */
  next(canDirect: boolean): Stage {
    const all = [...this.pending]
    const fast = all.filter((p) => this.urgent.has(p))
    const whole = all.length === DISCOVERY_PARTS.length || fast.length === 0
    const parts = whole ? all : fast
    for (const p of parts) {
      this.pending.delete(p)
      this.urgent.delete(p)
    }
    const direct = !whole && canDirect
    if (direct && this.walkDue && (parts.includes('pci') || parts.includes('eswitch'))) {
      this.pending.add('pci')
    } else if (!direct && parts.includes('pci')) {
      this.walkDue = false
      if (!parts.includes('eswitch')) parts.push('eswitch')
    }
    return { parts, direct, seq: ++this.seq }
  }

  /** A sequence number for a read the caller runs itself (watcher.ts `prepareRead`). */
  claim(): number {
    return ++this.seq
  }

  /** `stage` merged into `snap`: answers the waiters it completes. */
  landed(stage: Stage, snap: HostSnapshot): void {
    this.waiters = this.waiters.filter((w) => {
      if (w.after >= stage.seq) return true
      for (const p of stage.parts) w.need.delete(p)
      if (w.need.size > 0) return true
      w.resolve(snap)
      return false
    })
  }

  /** A refresh failed or the watcher closed: every waiter gets `err`, nothing stays pending. */
  fail(err: unknown): void {
    for (const w of this.waiters.splice(0)) w.reject(err)
    this.pending.clear()
    this.urgent.clear()
  }
}
