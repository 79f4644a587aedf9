import type { DiscoveryPart } from './discovery-script'
import { ipLinkFrom, type IpLink } from './parse-net'
import { isObject, type Json } from './parse-result'

/**
 * Classification of monitor events into the discovery parts they invalidate.
 *
 * `devlink -j monitor` elements look like `{"command":"new","port":{"<bus/dev/idx>":{…}}}`
 * (fixtures/netdevsim/70); `ip -j monitor link` prints `ip -j link` objects, with `"deleted":true`
 * for RTM_DELLINK. An E-Switch mode change has no event of its own: it shows as port new/del, so
 * every devlink event refreshes eswitch and pci too.
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
  readonly link?: IpLink
}

const DEVLINK_PARTS: readonly DiscoveryPart[] = [
  ...['devlink', 'eswitch', 'rdma', 'ip', 'nsim'],
  ...['pci', 'health', 'info'],
] as DiscoveryPart[]
const DEVLINK_URGENT: readonly DiscoveryPart[] = ['devlink', 'eswitch', 'rdma', 'ip', 'nsim']
const HEALTH_PARTS: readonly DiscoveryPart[] = ['health']
const LINK_URGENT: readonly DiscoveryPart[] = ['ip', 'eswitch']
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
    ...{ source: 'devlink', object, keys, parts: partsOf(object), urgent: urgentOf(object) },
    ...(command === undefined ? {} : { command }),
  }
}

function urgentOf(object: string): readonly DiscoveryPart[] {
  if (object === 'health') return HEALTH_PARTS
  return object === 'dev' || object === 'port' ? DEVLINK_URGENT : []
}

/** Parts a devlink object invalidates: dev/port → all but system/extras, health → health. */
function partsOf(object: string): readonly DiscoveryPart[] {
  if (object === 'health') return HEALTH_PARTS
  return object === 'dev' || object === 'port' ? DEVLINK_PARTS : []
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
    ...{ parts: partsOf(object), urgent: urgentOf(object) },
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
      ...(link === null ? {} : { link }),
    }
  })
}
