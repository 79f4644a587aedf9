import type { HostSnapshot, ParseIssue } from '../../contract/snapshot'
import {
  buildDiscoveryScript,
  DISCOVERY_PARTS,
  splitSections,
  type DiscoveryPart,
} from './discovery-script'
import type { CommandRunner, ReadAfter } from './ports'
import { buildSnapshot } from './snapshot-build'
import { parseSections, type ParsedSections } from './snapshot-sections'

/**
 * Discovery: one remote command (the framed POSIX script of discovery-script.ts) → a typed
 * `HostSnapshot` (docs/design.md §Host model). `stats.roundTrips` is always 1 per call.
 */

/** Options of `discover` and `refreshParts`. */
export interface DiscoverOptions {
  /** Host name shown in the snapshot and named in parse errors. */
  readonly hostName: string
  /** Timeout of the remote command, ms (rejects with `ssh-timeout` from the runner). */
  readonly timeoutMs: number
  readonly signal?: AbortSignal
  /** sysfs/proc/debugfs prefix for fake trees (tests); empty on real hosts. */
  readonly root?: string
  /** Read phys_port_name/phys_switch_id from sysfs (old iproute2 without them in `ip -d`). */
  readonly netdevPhys?: boolean
  /** Clock for `takenAt` (tests). */
  readonly now?: () => Date
  /** See `DiscoveryScriptOptions.eswitchHandles` (targeted refreshes only). */
  readonly eswitchHandles?: readonly string[]
  /** See `DiscoveryScriptOptions.pciFunctions` (targeted refreshes only). */
  readonly pciFunctions?: readonly string[]
}

/** A snapshot together with the parsed sections it was built from (input of `refreshParts`). */
export interface Discovery {
  readonly snapshot: HostSnapshot
  readonly sections: ParsedSections
}

/**
 * Reads the whole host in one round trip. Rejects only with the runner's `LabError`s
 * (`ssh-timeout`, `aborted`, `channel-open-failed`, `ssh-connect`); output that does not parse
 * gives a partial snapshot whose `errors` name each failed section.
 */
export async function discover(
  runner: CommandRunner,
  opts: DiscoverOptions,
): Promise<HostSnapshot> {
  return (await discoverWithSections(runner, opts)).snapshot
}

/**
 * Devlink handles whose E-Switch a fast refresh reads directly (PFs and netdevsim devices). When
 * `devlink dev show` was read, only handles it listed or whose E-Switch answered: a PF without a
 * devlink instance (an NVMe SR-IOV PF) has no E-Switch, and asking costs a devlink process per
 * read for nothing.
 */
export function knownEswitchHandles(previous: ParsedSections): string[] {
  const handles = new Set<string>(previous.eswitch.keys())
  for (const f of previous.pci)
    if (f.physfn === null && f.driver !== null) handles.add(`pci/${f.bdf}`)
  for (const n of previous.nsim) handles.add(n.handle)
  const devs = previous.devs
  if (devs === null) return [...handles]
  const listed = new Set(devs.map((d) => d.handle))
  return [...handles].filter((h) => listed.has(h) || previous.eswitch.has(h))
}

/** BDFs of the SR-IOV capable PCI functions a previous read found (for `pciFunctions`). */
export function knownPciFunctions(previous: ParsedSections): string[] {
  return previous.pci.map((f) => f.bdf)
}

/** `discover`, also returning the parsed sections for later targeted refreshes. */
export async function discoverWithSections(
  runner: CommandRunner,
  opts: DiscoverOptions,
): Promise<Discovery> {
  return runParts(runner, opts, DISCOVERY_PARTS, null)
}

/**
 * Targeted refresh: re-reads only `parts` (one round trip) and merges them into `previous`.
 * monitor-events.ts says which parts each event invalidates.
 */
export async function refreshParts(
  runner: CommandRunner,
  opts: DiscoverOptions,
  previous: ParsedSections,
  parts: readonly DiscoveryPart[],
): Promise<Discovery> {
  return runParts(runner, opts, parts, previous)
}

/** The raw outcome of one discovery round trip: parsed sections of `parts` only. */
export interface PartsRead {
  readonly sections: ParsedSections
  readonly stats: { roundTrips: number; durationMs: number; bytes: number }
}

/**
 * The script of a read of `parts` and its parser, for a caller that runs it itself: `readParts`
 * in an exec of its own, an operation after its last command (`ExecOptions.readAfter`).
 */
export interface PreparedParts {
  readonly read: ReadAfter
  /** Parses the script's stdout; `durationMs` is the read's wall time. */
  parse(stdout: string, durationMs: number): PartsRead
}

/** Builds the read of `parts` with `opts` (root, by-path handles and functions). */
export function prepareParts(
  opts: Omit<DiscoverOptions, 'timeoutMs' | 'signal'>,
  parts: readonly DiscoveryPart[],
): PreparedParts {
  const { script, marker, stdin } = buildDiscoveryScript({
    parts,
    ...(opts.root === undefined ? {} : { root: opts.root }),
    ...(opts.netdevPhys === undefined ? {} : { netdevPhys: opts.netdevPhys }),
    ...(opts.eswitchHandles === undefined ? {} : { eswitchHandles: opts.eswitchHandles }),
    ...(opts.pciFunctions === undefined ? {} : { pciFunctions: opts.pciFunctions }),
  })
  return {
    read: { script, stdin },
    parse: (stdout, durationMs) => ({
      sections: parseSections(opts.hostName, splitSections(stdout, marker), parts),
      stats: { roundTrips: 1, durationMs, bytes: Buffer.byteLength(stdout) },
    }),
  }
}

/**
 * Runs the script for `parts` (one round trip) and parses it, without merging: the watcher
 * merges the result onto whatever is current when it arrives. Rejects only with runner errors.
 */
export async function readParts(
  runner: CommandRunner,
  opts: DiscoverOptions,
  parts: readonly DiscoveryPart[],
): Promise<PartsRead> {
  const prepared = prepareParts(opts, parts)
  const result = await runner.exec(prepared.read.script, {
    timeoutMs: opts.timeoutMs,
    stdin: prepared.read.stdin,
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
  })
  return prepared.parse(result.stdout, result.durationMs)
}

/** Builds the snapshot of `sections` with the stats of the round trip that produced them. */
export function snapshotOf(
  sections: ParsedSections,
  opts: Pick<DiscoverOptions, 'hostName' | 'now'>,
  stats: PartsRead['stats'],
): Discovery {
  const snapshot = buildSnapshot(sections, {
    hostName: opts.hostName,
    takenAt: (opts.now?.() ?? new Date()).toISOString(),
  })
  snapshot.stats = stats
  return { snapshot, sections }
}

async function runParts(
  runner: CommandRunner,
  opts: DiscoverOptions,
  parts: readonly DiscoveryPart[],
  previous: ParsedSections | null,
): Promise<Discovery> {
  const direct =
    previous === null ? { ...opts, eswitchHandles: undefined, pciFunctions: undefined } : opts
  const read = await readParts(runner, direct, parts)
  const sections = previous === null ? read.sections : mergeSections(previous, read.sections, parts)
  return snapshotOf(sections, opts, read.stats)
}

/** Fields of `ParsedSections` each part owns. */
const OWNED: Record<DiscoveryPart, readonly (keyof ParsedSections)[]> = {
  system: ['kernel', 'bootId', 'os', 'modules', 'lspci'],
  pci: ['pci', 'lag'],
  eswitch: ['eswitch'],
  nsim: ['nsim'],
  devlink: ['devs', 'ports'],
  health: ['health'],
  info: ['info', 'rdmaDevs'],
  rdma: ['rdmaLinks'],
  ip: ['links', 'phys'],
  extras: ['tracer', 'crdump', 'faultInjection'],
}

/** Issue commands each part produces (see `sectionCommand`). */
const ISSUE_PREFIX: Record<DiscoveryPart, readonly string[]> = {
  system: ['uname', 'cat /proc', 'cat /etc', 'lspci'],
  pci: ['discovery pcidev', 'discovery lag'],
  eswitch: ['devlink -j dev eswitch'],
  nsim: ['discovery nsim'],
  devlink: ['devlink -j dev show', 'devlink -j port'],
  health: ['devlink -j health'],
  info: ['devlink -j dev info', 'rdma -j dev'],
  rdma: ['rdma -j link'],
  ip: ['ip ', 'discovery netdev-phys'],
  extras: ['discovery tracer', 'discovery crdump', 'discovery labsim'],
}

/** Replaces the parts' fields of `previous` with `fresh`; keeps other parts' issues. */
export function mergeSections(
  previous: ParsedSections,
  fresh: ParsedSections,
  parts: readonly DiscoveryPart[],
): ParsedSections {
  const merged: ParsedSections = { ...previous }
  const target = merged as unknown as Record<string, unknown>
  const source = fresh as unknown as Record<string, unknown>
  for (const part of parts) for (const field of OWNED[part]) target[field] = source[field]
  const refreshed = parts.flatMap((p) => ISSUE_PREFIX[p])
  const kept = previous.issues.filter(
    (i: ParseIssue) => !refreshed.some((prefix) => i.command.startsWith(prefix)),
  )
  merged.issues = [...kept, ...fresh.issues]
  return merged
}
