import { EventBus } from './bus'

/** What a netdev is, for sysfs and `ip -d` (parent bus/device, switch attributes). */
export interface Netdev {
  readonly ifindex: number
  readonly name: string
  readonly kind: 'loopback' | 'mgmt' | 'pf' | 'vf' | 'rep' | 'sim'
  mac: string
  mtu: number
  up: boolean
  /** `phys_port_name` (absent → EOPNOTSUPP, as on VF netdevs and plain NICs). */
  readonly physPortName?: string
  readonly physSwitchId?: string
  /** Parent device for `/sys/class/net/<if>/device` and `parentbus/parentdev`. */
  readonly parent?: { bus: 'pci' | 'netdevsim'; dev: string }
  /** ethtool -i driver name. */
  readonly driver: string
  /** The PF netdev whose `vfinfo_list` includes this device's VFs (legacy SR-IOV). */
  vfCount?: () => number
  /** Addresses added with `ip addr add`, as `address/prefixlen` (IPv4 or IPv6, scope global). */
  addresses?: string[]
}

/** A link event as `ip monitor link` reports it. */
export interface LinkEvent {
  readonly kind: 'new' | 'del'
  readonly netdev: Netdev
}

/**
 * The host's netdev table: ifindexes are allocated monotonically (never reused within a
 * boot, like `dev_new_index`), every change is published on `events`.
 */
export class NetdevTable {
  private readonly byName = new Map<string, Netdev>()
  private nextIndex = 1
  readonly events = new EventBus<LinkEvent>()

  /** Registers a netdev; returns it with its new ifindex. */
  add(spec: Omit<Netdev, 'ifindex'>): Netdev {
    const netdev: Netdev = { ...spec, ifindex: this.nextIndex++ }
    this.byName.set(netdev.name, netdev)
    this.events.emit({ kind: 'new', netdev })
    return netdev
  }

  /** Unregisters a netdev by name (no-op when absent). */
  remove(name: string | undefined): void {
    if (!name) return
    const netdev = this.byName.get(name)
    if (!netdev) return
    this.byName.delete(name)
    this.events.emit({ kind: 'del', netdev })
  }

  /**
   * Renames a netdev in place (same ifindex, same position in the table) and publishes it as a
   * `new` event, as RTM_NEWLINK after `dev_change_name`. No-op when `from` is absent.
   */
  rename(from: string, to: string): void {
    const old = this.byName.get(from)
    if (!old) return
    const renamed: Netdev = { ...old, name: to }
    const entries = [...this.byName.entries()].map(([k, v]): [string, Netdev] =>
      k === from ? [to, renamed] : [k, v],
    )
    this.byName.clear()
    for (const [k, v] of entries) this.byName.set(k, v)
    this.events.emit({ kind: 'new', netdev: renamed })
  }

  /** Publishes a state change (flap). */
  changed(name: string): void {
    const netdev = this.byName.get(name)
    if (netdev) this.events.emit({ kind: 'new', netdev })
  }

  get(name: string): Netdev | undefined {
    return this.byName.get(name)
  }

  /** All netdevs in ifindex order (insertion order: ifindexes only grow). */
  list(): Netdev[] {
    return [...this.byName.values()]
  }

  /** Netdevs whose parent device is `bus`/`dev`, in ifindex order. */
  children(bus: string, dev: string): Netdev[] {
    const out: Netdev[] = []
    for (const n of this.byName.values())
      if (n.parent?.dev === dev && n.parent.bus === bus) out.push(n)
    return out
  }
}

/** A locally administered MAC derived from a seed string (stable per name). */
export function macFor(seed: string): string {
  let h = 2166136261
  for (const c of seed) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0
  const bytes = [
    0x02,
    (h >>> 24) & 0xff,
    (h >>> 16) & 0xff,
    (h >>> 8) & 0xff,
    h & 0xff,
    seed.length & 0xff,
  ]
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':')
}
