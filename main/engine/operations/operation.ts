import type { BlastItem, HostSnapshot, OperationKind, OperationRequest } from '../../../contract'
import type { DiscoveryPart } from '../../host/discovery-script'
import type { TrackedChange } from '../restore'

/**
 * The one home of an operation: everything the engine, the CLI and the terminal service need to
 * know about one `OperationKind` lives in `operations/<kind>.ts`, implementing `OperationModule`.
 * The registry (`operations/index.ts`) maps every kind to its module. Adding a driver's behaviour
 * to an operation means touching that operation's file only.
 */

/** The validated request of one operation kind. */
export type Req<K extends OperationKind> = Extract<OperationRequest, { op: K }>

/** Extra arguments of `hang`/`slow` faults that the contract request does not carry. */
export interface FaultOptions {
  /** `hang <substring>`: commands containing this substring hang. Default `devlink`. */
  readonly substring?: string
  /** `slow <factor>`: multiply simulated latencies. Default 4. */
  readonly factor?: number
}

/** What `commands` needs beyond the request and the snapshot. */
export interface CommandOptions {
  readonly faultOptions?: FaultOptions
}

/**
 * What the kernel will show once an operation took effect, with the source it follows.
 *
 * `known: false` says the driver's outcome is not known: the engine then waits only until the
 * device settled and reports what it observed (`OperationResult.observed`), never a mismatch and
 * never an invented expectation.
 */
export interface Expectation {
  /** The outcome in words, for plans and errors. */
  readonly text: string
  /** The kernel source or document it follows, e.g. `docs/domain.md §1.2`. */
  readonly source: string
  readonly known: boolean
  /** True once the snapshot shows the outcome. Pure. */
  holds(snapshot: HostSnapshot): boolean
  /** The state this expectation is about, in words (e.g. `mode legacy, 0 VF ports`). Pure. */
  observed(snapshot: HostSnapshot): string
}

/** A command whose exit 0 says the host supports the operation (fault injection: labsim only). */
export interface SupportProbe {
  readonly command: string
  /** The `unsupported` message naming the host (`user@host:port`). */
  unsupported(target: string): string
}

/**
 * One operation kind. Every member is pure (no I/O); `snapshot` arguments are the host as
 * discovery last saw it (`before` = read fresh just before the commands run).
 */
export interface OperationModule<K extends OperationKind> {
  readonly kind: K
  /** The `replab op` words after the operation name, e.g. `<device> <n>`. */
  readonly usage: string
  /**
   * The check run before the commands, when the request needs one: a host without support fails
   * `unsupported` (labsim's inject file, netdevsim's debugfs knobs).
   */
  probe?(request: Req<K>, snapshot: HostSnapshot): SupportProbe | null
  /** `replab op` words → an unvalidated request (the contract schema validates it). */
  fromArgs(args: readonly string[]): unknown
  /** Disturbs traffic or state: the UI and the CLI ask for confirmation. */
  destructive(request: Req<K>): boolean
  /** Only reads the host (diagnose, dump, query): nothing changes, nothing to restore. */
  readOnly(request: Req<K>): boolean
  /** The device, function or module the operation names in sentences. */
  subject(request: Req<K>): string
  /** The devlink device the operation locks (`<hostId>|<this>`), `pci/<bdf>`, or `*` (host). */
  lockSubject(request: Req<K>, snapshot: HostSnapshot): string
  /** Why it cannot run on this snapshot; empty when it can. */
  precondition(request: Req<K>, snapshot: HostSnapshot): string[]
  /**
   * The exact shell commands, in order, every word shell-quoted. Throws `invalid-request` or
   * `unsupported` when the request cannot be turned into commands on this host.
   */
  commands(request: Req<K>, snapshot: HostSnapshot, options: CommandOptions): string[]
  /** The outcome in words when there is no expectation to wait for (queries, dumps, faults). */
  describe(request: Req<K>): string
  /** What to wait for after the commands returned; null when nothing observable changes. */
  expectation(request: Req<K>, before: HostSnapshot): Expectation | null
  /**
   * The discovery parts `expectation(…).holds`/`observed` read: the wait after the commands
   * reads only these (one small round trip per read) and takes the rest from the event-driven
   * cache. Empty when there is no expectation.
   */
  readonly reads: readonly DiscoveryPart[]
  /**
   * The parts that `precondition`, `commands` and `expectation(request, before)` need read
   * fresh before the commands run, because no monitor event reports their changes (E-Switch
   * mode, VF counts, netdevsim knobs, modules, tracer). Empty: the event-driven cache is enough
   * (the snapshot once the events already seen were read; everything is read when a monitor is
   * down).
   */
  readonly planReads: readonly DiscoveryPart[]
  /**
   * True when `commands` and the expectation do not depend on what `planReads` would refresh
   * (a tracer's path, a module's name): the plan is made on the event-driven cache, and
   * `planReads` are read fresh only when the precondition refuses there (the cache may be behind
   * a change made outside replab). A go on a stale cache runs a command whose own exit status
   * and the verifying read say what happened. Absent: false.
   */
  readonly planOnCache?: boolean
  /** What else goes down while it runs. */
  blastRadius(request: Req<K>, snapshot: HostSnapshot): BlastItem[]
  /**
   * Why the device goes away and comes back (unbind, bind, reset, reload, recovery), or null.
   * Passed with each command (`ExecOptions.drop`) so terminal panes park instead of failing.
   */
  dropReason(request: Req<K>, snapshot: HostSnapshot): string | null
  /** The host state it may change, with values in `baseline`: what a drill must restore. */
  tracks(request: Req<K>, baseline: HostSnapshot): TrackedChange[]
  /**
   * The host as it will look once the expectation holds, for drill plans (project.ts); absent
   * when the operation changes nothing a plan follows (queries, dumps, resets, faults).
   */
  project?(request: Req<K>, snapshot: HostSnapshot): HostSnapshot
}

/** A known expectation (the driver's outcome is in its source): `Expectation` with `known: true`. */
export function knownExpectation(
  text: string,
  source: string,
  holds: (snapshot: HostSnapshot) => boolean,
  observed: (snapshot: HostSnapshot) => string,
): Expectation {
  return { text, source, known: true, holds, observed }
}

/**
 * An expectation whose outcome is not known (a driver nobody has read the source of): the engine
 * waits until the device settled and reports `observed`, never a mismatch.
 */
export function unknownExpectation(
  text: string,
  source: string,
  observed: (snapshot: HostSnapshot) => string,
): Expectation {
  return { text, source, known: false, holds: () => false, observed }
}
