import type { DeviceInfo, EswitchInfo, ParseIssue, TracerInfo } from '../../contract/snapshot'
import {
  DISCOVERY_PARTS,
  IP_COMMAND,
  type DiscoveryPart,
  type RawSection,
} from './discovery-script'
import {
  parseDevInfo,
  parseDevlinkDevs,
  parseEswitch,
  parseHealth,
  parsePorts,
  type DevlinkDev,
  type DevlinkPort,
  type DevlinkReporter,
} from './parse-devlink'
import { parseCrdumpSection, type CrdumpSources } from './parse-logs'
import {
  parseIpLinks,
  parseRdmaDevs,
  parseRdmaLinks,
  type IpLink,
  type RdmaLinkEntry,
} from './parse-net'
import type { RdmaDevice } from '../../contract/snapshot'
import {
  parseLagSection,
  parseNetdevPhysSection,
  parseNsimSection,
  parsePciDevSection,
  parseTracerSection,
  type NsimDevice,
  type PciFunction,
} from './parse-sections'
import {
  parseLspci,
  parseModules,
  parseOsRelease,
  parseUname,
  type LspciEntry,
  type ModuleEntry,
} from './parse-system'
import { parseIssue, type ParseContext, type ParseResult } from './parse-result'

/**
 * Step one of the snapshot builder: every raw section of the discovery output parsed by its own
 * parser, failures collected as `ParseIssue`s (a partial snapshot still shows what parsed).
 */

/** Everything the discovery output said, typed. Absent sections leave their defaults. */
export interface ParsedSections {
  kernel: string
  bootId?: string
  os?: string
  modules: ModuleEntry[]
  lspci: LspciEntry[]
  pci: PciFunction[]
  nsim: NsimDevice[]
  eswitch: Map<string, EswitchInfo>
  lag: Map<string, { active: boolean; mode?: string }>
  devs: DevlinkDev[] | null
  ports: DevlinkPort[]
  health: DevlinkReporter[]
  info: Map<string, DeviceInfo>
  rdmaLinks: RdmaLinkEntry[]
  rdmaDevs: RdmaDevice[]
  links: IpLink[]
  phys: Map<string, { physPortName?: string; physSwitchId?: string }>
  tracer?: TracerInfo
  crdump: CrdumpSources
  faultInjection: boolean
  issues: ParseIssue[]
}

/** The remote command each section stands for, named in `ParseIssue.command`. */
export function sectionCommand(s: Pick<RawSection, 'name' | 'arg'>): string {
  const commands: Record<string, string> = {
    uname: 'uname -r',
    bootid: 'cat /proc/sys/kernel/random/boot_id',
    osrelease: 'cat /etc/os-release',
    modules: 'cat /proc/modules',
    lspci: 'lspci -D -nn',
    eswitch: `devlink -j dev eswitch show ${s.arg}`,
    'devlink-dev': 'devlink -j dev show',
    'devlink-port': 'devlink -j port show',
    'devlink-health': 'devlink -j health show',
    'devlink-info': 'devlink -j dev info',
    'rdma-link': 'rdma -j link show',
    'rdma-dev': 'rdma -j dev show',
    'ip-link': IP_COMMAND,
  }
  return commands[s.name] ?? `discovery ${s.name} ${s.arg}`.trim()
}

/** Sections whose failure is normal on some hosts (tool missing, attr unsupported). */
const OPTIONAL = new Set(['lspci', 'bootid', 'osrelease', 'eswitch', 'rdma-link', 'rdma-dev'])

/** Required sections per part: their absence (output cut short) is reported. */
const REQUIRED: Partial<Record<DiscoveryPart, readonly string[]>> = {
  system: ['uname', 'modules'],
  devlink: ['devlink-dev', 'devlink-port'],
  ip: ['ip-link'],
}

/** Parses all sections of one discovery run of `parts` (default: all). Never throws. */
export function parseSections(
  host: string,
  sections: readonly RawSection[],
  parts: readonly DiscoveryPart[] = DISCOVERY_PARTS,
): ParsedSections {
  const out: ParsedSections = {
    ...{ kernel: '', modules: [], lspci: [], pci: [], nsim: [], eswitch: new Map() },
    ...{ lag: new Map(), devs: null, ports: [], health: [], info: new Map(), rdmaLinks: [] },
    ...{ rdmaDevs: [], links: [], phys: new Map(), crdump: { ofed: [] } },
    ...{ faultInjection: false, issues: [] },
  }
  for (const s of sections) parseOne(out, { host, command: sectionCommand(s) }, s)
  const seen = new Set(sections.map((s) => s.name))
  for (const name of parts.flatMap((p) => REQUIRED[p] ?? [])) {
    if (!seen.has(name)) {
      const command = sectionCommand({ name, arg: '' })
      out.issues.push(parseIssue({ host, command }, 'section missing from discovery output', ''))
    }
  }
  return out
}

function parseOne(out: ParsedSections, ctx: ParseContext, s: RawSection): void {
  const failed = s.code === null || (s.code !== 0 && s.body.trim() === '')
  if (failed) {
    if (!OPTIONAL.has(s.name) || s.code === null) {
      const why = s.code === null ? 'output cut short' : `exit code ${s.code} with no output`
      out.issues.push(parseIssue(ctx, `${why}`, s.body))
    }
    if (s.code !== null || s.body.trim() === '') return
  }
  const take = <T>(r: ParseResult<T>, apply: (v: T) => void): void => {
    const shift = (i: ParseIssue): ParseIssue => ({ ...i, offset: (i.offset ?? 0) + s.offset })
    if (r.ok) {
      apply(r.value)
      for (const i of r.issues ?? []) out.issues.push(shift(i))
    } else out.issues.push(shift(r.issue))
  }
  const b = s.body
  switch (s.name) {
    case 'uname':
      return take(parseUname(ctx, b), (v) => (out.kernel = v))
    case 'bootid':
      if (b.trim() !== '') out.bootId = b.trim()
      return
    case 'osrelease':
      return take(parseOsRelease(ctx, b), (v) => {
        const os = v.PRETTY_NAME ?? v.NAME
        if (os !== undefined) out.os = os
      })
    case 'modules':
      return take(parseModules(ctx, b), (v) => (out.modules = v))
    case 'lspci':
      return take(parseLspci(ctx, b), (v) => (out.lspci = v))
    case 'pcidev':
      return take(parsePciDevSection(ctx, s.arg, b), (v) => out.pci.push(v))
    case 'nsim':
      return take(parseNsimSection(ctx, s.arg, b), (v) => out.nsim.push(v))
    case 'eswitch':
      if (b.trim() === '') return
      return take(parseEswitch(ctx, b), (v) => v.forEach((e, k) => out.eswitch.set(k, e)))
    case 'lag': {
      const lag = parseLagSection(b)
      if (lag !== null) out.lag.set(s.arg, lag)
      return
    }
    default:
      return parseTool(out, ctx, s, take)
  }
}

type Take = <T>(r: ParseResult<T>, apply: (v: T) => void) => void

function parseTool(out: ParsedSections, ctx: ParseContext, s: RawSection, take: Take): void {
  const b = s.body
  switch (s.name) {
    case 'devlink-dev':
      return take(parseDevlinkDevs(ctx, b), (v) => (out.devs = v))
    case 'devlink-port':
      return take(parsePorts(ctx, b), (v) => (out.ports = v))
    case 'devlink-health':
      return take(parseHealth(ctx, b), (v) => (out.health = v))
    case 'devlink-info':
      return take(parseDevInfo(ctx, b), (v) => (out.info = v))
    case 'rdma-link':
      return take(parseRdmaLinks(ctx, b), (v) => (out.rdmaLinks = v))
    case 'rdma-dev':
      return take(parseRdmaDevs(ctx, b), (v) => (out.rdmaDevs = v))
    case 'ip-link':
      return take(parseIpLinks(ctx, b), (v) => (out.links = v))
    case 'netdev-phys':
      out.phys = parseNetdevPhysSection(b)
      return
    case 'tracer':
      out.tracer = parseTracerSection(b)
      return
    case 'crdump':
      out.crdump = parseCrdumpSection(b)
      return
    case 'labsim':
      out.faultInjection = b.trim() === 'inject'
      return
    default:
      return
  }
}
