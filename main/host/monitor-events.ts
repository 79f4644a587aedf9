import type { DiscoveryPart } from './discovery-script'
import { ipLinkFrom, type IpLink } from './parse-net'
import { isObject, type Json } from './parse-result'

/**
 * Classification of monitor events into the discovery parts they invalidate.
 *
 * `devlink -j monitor` elements look like `{"command":"new","port":{"<bus/dev/idx>":{…}}}`
 * (test/fixtures/netdevsim/70), or without `-j` `[port,new] <handle>: …` (fixture 74). `ip -j monitor
 * link` in iproute2 6.1 prints TEXT even with `-j` (test/fixtures/hostile/
 * ip_j_monitor_link_events.txt: `2: i0: <BROADCAST,NOARP> mtu 1500 …`, `Deleted 2: i1: …`, a
 * continuation line `    link/ether …`); newer iproute2 prints `ip -j link` objects, with
 * `"deleted":true` for RTM_DELLINK. Both are decoded. An E-Switch mode change has no event of its
 * own: it shows as port new/del, so every devlink event refreshes eswitch and pci too.
 */

/** A decoded monitor event. */
export interface MonitorEvent {
  readonly source: 'devlink' | 'ip'
  /** devlink object (`dev`, `port`, `health`, `trap`, `rate`, …) or `link`. */
  readonly object: string
  /** `new`, `del`, `set`, … when printed. */
  readonly command?: string
  /** Handles or ifnames the event names. */
  readonly keys: readonly string[]
  readonly parts: readonly DiscoveryPart[]
  /** The subset to refresh first (what the UI must show within 200 ms). */
  readonly urgent: readonly DiscoveryPart[]
  /**
   * A new device may have come with it (a devlink instance, a netdev): the sysfs walk for new
   * SR-IOV functions follows the urgent read. A port event only changes a known device.
   */
  readonly walk: boolean
  readonly link?: IpLink
}

const DEVLINK_PARTS: readonly DiscoveryPart[] = [
  ...['devlink', 'eswitch', 'rdma', 'ip', 'nsim'],
  ...['pci', 'health', 'info'],
] as DiscoveryPart[]
const DEVLINK_URGENT: readonly DiscoveryPart[] = ['devlink', 'eswitch', 'rdma', 'ip', 'nsim', 'pci']
const HEALTH_PARTS: readonly DiscoveryPart[] = ['health']
// A VF count change creates or removes VF netdevs: its count and VFs (pci) are read first too.
const LINK_URGENT: readonly DiscoveryPart[] = ['ip', 'eswitch', 'pci']
// An E-Switch mode change re-registers the uplink netdev: link events refresh the mode too.
const LINK_PARTS: readonly DiscoveryPart[] = ['ip', 'rdma', 'devlink', 'eswitch', 'pci', 'health']

/** Decodes one element of the devlink monitor stream; null for values that are not events. */
export function devlinkEvent(value: Json): MonitorEvent | null {
  if (!isObject(value)) return null
  const command = typeof value.command === 'string' ? value.command : undefined
  const object = Object.keys(value).find((k) => k !== 'command' && isObject(value[k]))
  if (object === undefined) return null
  const inner = value[object]
  const keys = isObject(inner) ? Object.keys(inner) : []
  return {
    ...{ source: 'devlink', object, keys },
    ...onBus(keys, partsOf(object), urgentOf(object)),
    walk: object === 'dev',
    ...(command === undefined ? {} : { command }),
  }
}

/** A port event changes ports, representors and the mode of a known device: no walk, no health. */
const PORT_PARTS: readonly DiscoveryPart[] = DEVLINK_URGENT

function urgentOf(object: string): readonly DiscoveryPart[] {
  if (object === 'health') return HEALTH_PARTS
  return object === 'dev' || object === 'port' ? DEVLINK_URGENT : []
}

/**
 * `parts` and `urgent` without the bus the event's devlink handles are not on: a netdevsim
 * port changes nothing under /sys/bus/pci (on a host with SR-IOV PFs that read is several forks
 * per VF), a PCI device's nothing on the netdevsim bus. Keys that name no handle keep both.
 */
function onBus(
  keys: readonly string[],
  parts: readonly DiscoveryPart[],
  urgent: readonly DiscoveryPart[],
): { parts: readonly DiscoveryPart[]; urgent: readonly DiscoveryPart[] } {
  const all = (prefix: string): boolean =>
    keys.length > 0 && keys.every((k) => k.startsWith(prefix))
  const other: DiscoveryPart | null = all('netdevsim/') ? 'pci' : all('pci/') ? 'nsim' : null
  if (other === null) return { parts, urgent }
  return { parts: parts.filter((p) => p !== other), urgent: urgent.filter((p) => p !== other) }
}

/**
 * Parts a devlink object invalidates: dev → all but system/extras, port → the device's ports,
 * mode, VFs, netdevs and IB links, health → health.
 */
function partsOf(object: string): readonly DiscoveryPart[] {
  if (object === 'health') return HEALTH_PARTS
  if (object === 'port') return PORT_PARTS
  return object === 'dev' ? DEVLINK_PARTS : []
}

/**
 * Recognises a devlink event that iproute2 printed as broken JSON (see json-splitter.ts) from
 * its head `{"command":"<cmd>","<object>":`; null otherwise.
 */
export function damagedDevlinkEvent(raw: string): MonitorEvent | null {
  const m = /^\{"command":"([a-z_-]+)","([a-z_-]+)":/.exec(raw)
  if (m === null) return null
  const object = m[2] ?? ''
  return {
    ...{ source: 'devlink', object, command: m[1] ?? '', keys: [] },
    ...{ parts: partsOf(object), urgent: urgentOf(object), walk: object === 'dev' },
  }
}

/** Decodes one `ip -j monitor link` value (an object, or an array of them). */
export function ipEvents(value: Json): MonitorEvent[] {
  const items = Array.isArray(value) ? value : [value]
  return items.filter(isObject).map((item) => {
    const link = ipLinkFrom(item)
    const deleted = item.deleted === true
    return {
      source: 'ip' as const,
      object: 'link',
      command: deleted ? 'del' : 'new',
      keys: link === null ? [] : [link.ifname],
      parts: LINK_PARTS,
      urgent: LINK_URGENT,
      walk: true,
      ...(link === null ? {} : { link }),
    }
  })
}

/**
 * Decodes one line of devlink's text monitor (`devlink monitor`, fixture 74:
 * `[port,new] netdevsim/netdevsim10/0: type notset …`, `[dev,new] pci/0000:08:00.0`); null for
 * other lines.
 */
export function devlinkTextEvent(line: string): MonitorEvent | null {
  const m = /^\[([a-z_-]+),([a-z_-]+)\] (\S+?):?(?: |$)/.exec(line)
  if (m === null) return null
  const object = m[1] ?? ''
  const keys = [m[3] ?? '']
  return {
    ...{ source: 'devlink', object, command: m[2] ?? '', keys },
    ...onBus(keys, partsOf(object), urgentOf(object)),
    walk: object === 'dev',
  }
}

/**
 * Decodes the first line of one link in iproute2's text form, as `ip monitor link` prints it
 * (and `ip -j monitor link` in iproute2 6.1): `[Deleted ]<ifindex>: <ifname>[@<link>]: <flags> …`.
 * Linux refuses `:` and whitespace in interface names (net/core/dev.c `dev_valid_name`), so the
 * name ends at the first `: `; it is kept as printed (control characters raw, a `@<link>` suffix
 * included). Null for other lines (continuation lines start with spaces).
 */
export function ipTextEvent(line: string): MonitorEvent | null {
  const m = /^(Deleted )?(\d+): ([^:]+): </.exec(line)
  if (m === null) return null
  return {
    source: 'ip',
    object: 'link',
    command: m[1] ? 'del' : 'new',
    keys: [m[3] ?? ''],
    parts: LINK_PARTS,
    urgent: LINK_URGENT,
    walk: true,
  }
}
