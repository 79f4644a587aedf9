import type { Netdev, ParseIssue, RdmaDevice, RdmaLink } from '../../contract/snapshot'
import {
  bool,
  fail,
  int,
  isObject,
  ok,
  parseIssue,
  str,
  type JsonObject,
  type ParseContext,
  type ParseResult,
} from './parse-result'
import { parseObjectArray } from './parse-array'

/**
 * Parsers of `rdma -j link show`, `rdma -j dev show` (top-level JSON arrays, docs/domain.md §2.7)
 * and `ip -j -d link show` including `vfinfo_list` (§2.8). None throws.
 */

function parseArray(ctx: ParseContext, text: string): ParseResult<JsonObject[]> {
  return parseObjectArray(ctx, text)
}

/** An RDMA link with the netdev's ifindex (`netdev_index`) when printed. */
export interface RdmaLinkEntry extends RdmaLink {
  readonly netdevIndex?: number
}

/**
 * Parses `rdma -j link show`: `[{"ifindex","ifname","port","state","physical_state","netdev",
 * "netdev_index"}]`; `ifname`/`port`/`state` are required, `netdev` optional (null).
 */
export function parseRdmaLinks(ctx: ParseContext, text: string): ParseResult<RdmaLinkEntry[]> {
  const arr = parseArray(ctx, text)
  if (!arr.ok) return arr
  const out: RdmaLinkEntry[] = []
  for (const item of arr.value) {
    const device = str(item, 'ifname')
    const port = int(item, 'port')
    const state = str(item, 'state')
    if (device === undefined || port === undefined || state === undefined) {
      return fail(ctx, 'rdma link lacks ifname/port/state', text)
    }
    const physicalState = str(item, 'physical_state')
    const netdevIndex = int(item, 'netdev_index')
    out.push({
      device,
      port,
      state,
      netdev: str(item, 'netdev') ?? null,
      ...(physicalState === undefined ? {} : { physicalState }),
      ...(netdevIndex === undefined ? {} : { netdevIndex }),
    })
  }
  return ok(out, arr.issues ?? [])
}

/** Parses `rdma -j dev show`: `[{"ifindex","ifname","node_type","fw","node_guid",…}]`. */
export function parseRdmaDevs(ctx: ParseContext, text: string): ParseResult<RdmaDevice[]> {
  const arr = parseArray(ctx, text)
  if (!arr.ok) return arr
  const out: RdmaDevice[] = []
  for (const item of arr.value) {
    const index = int(item, 'ifindex')
    const name = str(item, 'ifname')
    if (index === undefined || name === undefined) {
      return fail(ctx, 'rdma dev lacks ifindex/ifname', text)
    }
    const extra: Partial<RdmaDevice> = {}
    const nodeType = str(item, 'node_type')
    const fw = str(item, 'fw')
    const nodeGuid = str(item, 'node_guid')
    const sysImageGuid = str(item, 'sys_image_guid')
    const parent = str(item, 'parent')
    if (nodeType !== undefined) extra.nodeType = nodeType
    if (fw !== undefined) extra.fw = fw
    if (nodeGuid !== undefined) extra.nodeGuid = nodeGuid
    if (sysImageGuid !== undefined) extra.sysImageGuid = sysImageGuid
    if (parent !== undefined) extra.parent = parent
    out.push({ index, name, ...extra })
  }
  return ok(out, arr.issues ?? [])
}

/** One `vfinfo_list` element of a PF in legacy mode. */
export interface VfLinkInfo {
  readonly vf: number
  readonly mac?: string
  readonly vlan?: number
  readonly spoofchk?: boolean
  readonly linkState?: string
  readonly trust?: boolean
}

/** A netdev of `ip -j -d link` plus its VF list and alternative names. */
export interface IpLink extends Netdev {
  readonly vfs: readonly VfLinkInfo[]
  readonly altnames: readonly string[]
  /** Master device (bond, bridge) when enslaved. */
  readonly master?: string
}

/**
 * Parses `ip -j [-d] link show` or `ip -j -d addr show` (the same elements plus `addr_info`).
 * `ifindex` and `ifname` are required per element; the rest (`phys_port_name`, `phys_switch_id`,
 * `parentbus`, `parentdev`, `vfinfo_list`, `addr_info`) optional.
 */
export function parseIpLinks(ctx: ParseContext, text: string): ParseResult<IpLink[]> {
  const arr = parseArray(ctx, text)
  if (!arr.ok) return arr
  const out: IpLink[] = []
  const issues: ParseIssue[] = [...(arr.issues ?? [])]
  for (const item of arr.value) {
    const link = ipLinkFrom(item)
    if (link === null) issues.push(parseIssue(ctx, 'link lacks ifindex/ifname: skipped', text))
    else out.push(link)
  }
  return ok(out, issues)
}

/** One element of `ip -j link` (also an `ip -j monitor link` event); null without ifindex/ifname. */
export function ipLinkFrom(item: JsonObject): IpLink | null {
  const ifindex = int(item, 'ifindex')
  const ifname = str(item, 'ifname')
  if (ifindex === undefined || ifname === undefined) return null
  const flags = Array.isArray(item.flags)
    ? item.flags.filter((f): f is string => typeof f === 'string')
    : undefined
  const vfList = Array.isArray(item.vfinfo_list) ? item.vfinfo_list : []
  const vfs = vfList.filter(isObject).flatMap((v) => vfFrom(v) ?? [])
  const altnames = Array.isArray(item.altnames)
    ? item.altnames.filter((f): f is string => typeof f === 'string')
    : []
  const master = str(item, 'master')
  const link: IpLink = {
    ifindex,
    ifname,
    vfs,
    altnames,
    ...(master === undefined ? {} : { master }),
  }
  const extra: Partial<Netdev> = {}
  const fields: [keyof Netdev, string | number | undefined][] = [
    ['operstate', str(item, 'operstate')],
    ['address', str(item, 'address')],
    ['mtu', int(item, 'mtu')],
    ['physPortName', str(item, 'phys_port_name')],
    ['physSwitchId', str(item, 'phys_switch_id')],
    ['parentBus', str(item, 'parentbus')],
    ['parentDev', str(item, 'parentdev')],
  ]
  for (const [k, v] of fields) if (v !== undefined) (extra as Record<string, unknown>)[k] = v
  if (flags !== undefined) extra.flags = flags
  if (vfList.length > 0) extra.vfCount = vfs.length
  if (Array.isArray(item.addr_info)) extra.addresses = addressesOf(item.addr_info)
  return { ...link, ...extra }
}

/** Address scopes that mean "configured for use": not `link` (fe80::), `host` (lo) or `nowhere`. */
const USED_SCOPES = new Set(['global', 'site', 'universe'])

/**
 * The addresses of an `ip -j addr` element's `addr_info` as `local/prefixlen`, global and site
 * scope only: every interface that is up has an fe80:: link-local one, which says nothing about
 * use (ip/ipaddress.c `print_addrinfo`, iproute2 6.1).
 */
function addressesOf(list: readonly unknown[]): string[] {
  const out: string[] = []
  for (const a of list.filter(isObject)) {
    const local = str(a, 'local')
    const prefix = int(a, 'prefixlen')
    if (local === undefined || prefix === undefined) continue
    if (USED_SCOPES.has(str(a, 'scope') ?? 'global')) out.push(`${local}/${prefix}`)
  }
  return out
}

function vfFrom(v: JsonObject): VfLinkInfo | null {
  const vf = int(v, 'vf')
  if (vf === undefined) return null
  const vlanList = Array.isArray(v.vlan_list) ? v.vlan_list.filter(isObject) : []
  const vlan = int(v, 'vlan') ?? (vlanList[0] === undefined ? undefined : int(vlanList[0], 'vlan'))
  const out: { -readonly [K in keyof VfLinkInfo]: VfLinkInfo[K] } = { vf }
  const mac = str(v, 'address')
  const spoofchk = bool(v, 'spoofchk')
  const linkState = str(v, 'link_state')
  const trust = bool(v, 'trust')
  if (mac !== undefined) out.mac = mac
  if (vlan !== undefined) out.vlan = vlan
  if (spoofchk !== undefined) out.spoofchk = spoofchk
  if (linkState !== undefined) out.linkState = linkState
  if (trust !== undefined) out.trust = trust
  return out
}
