import type { Finding, HostSnapshot, ParseIssue } from '../../contract'
import { IP_COMMAND, type DiscoveryPart } from '../host/discovery-script'
import type { FindingPlace } from './invariants'
import type { SnapshotSource } from './ports'

/**
 * A drill step cannot pass on a snapshot that did not fully parse for its device. When
 * `devlink -j port show` or `ip -j -d addr show` does not parse (iproute2 printing a hostile
 * interface name raw, a cut or garbled output), the snapshot's ports or netdevs come back empty
 * and every invariant over them holds vacuously: a VF reset that disturbed the PF would pass
 * `vf-reset-isolation`. Every snapshot a step reads (directly, as a wait's answer or as the
 * snapshot a predicate accepted) is checked here; its parse issues that concern the device under
 * test become one `snapshot-unreadable` finding and the step is `error` (drill-types.ts
 * `UNVERIFIED`), with the issues as evidence.
 */

/** Sections every device's checks read (modules: mlx5_ib; devlink, RDMA links, netdevs). */
const SHARED = new Set([
  'cat /proc/modules',
  'devlink -j dev show',
  'devlink -j port show',
  'devlink -j health show',
  'rdma -j link show',
  IP_COMMAND,
  'discovery netdev-phys',
])

/** True when an issue of `command` can change what the invariants see for `device`. */
export function concernsDevice(command: string, device: string): boolean {
  if (SHARED.has(command)) return true
  if (command === `devlink -j dev eswitch show ${device}`) return true
  if (command === `discovery nsim ${device}`) return true
  const bdf = device.startsWith('pci/') ? device.slice(4) : undefined
  return bdf !== undefined && command.startsWith('discovery pcidev ') && command.endsWith(`/${bdf}`)
}

/** The parse issues of `snapshot` that concern `device`. */
export function deviceIssues(snapshot: HostSnapshot, device: string): ParseIssue[] {
  return (snapshot.errors ?? []).filter((i) => concernsDevice(i.command, device))
}

/** The finding of a step that read snapshots with `issues` for `device`. */
export function unreadableFinding(
  issues: readonly ParseIssue[],
  device: string,
  place: FindingPlace,
): Finding {
  const commands = [...new Set(issues.map((i) => i.command))]
  return {
    severity: 'error',
    invariant: 'snapshot-unreadable',
    message:
      `output of ${commands.join(', ')} on ${issues[0]?.host ?? 'the host'} did not parse ` +
      `for ${device}: the step's checks cannot be trusted`,
    step: place.step,
    ...(place.iteration === undefined ? {} : { iteration: place.iteration }),
    evidence: issues
      .slice(0, 8)
      .map(
        (i) => `${i.command}: ${i.message} (offset ${i.offset ?? 0}): ${JSON.stringify(i.excerpt)}`,
      )
      .join('\n'),
  }
}

/**
 * Collects the device's parse issues from every snapshot read through the wrapped source, until
 * `take()` hands them over (once per step).
 */
export class SnapshotIssueWatch {
  private readonly seen = new Map<string, ParseIssue>()

  constructor(private readonly device: string) {}

  /** `source`, noting the issues of each snapshot it answers or a predicate accepts. */
  wrap(source: SnapshotSource): SnapshotSource {
    const note = (s: HostSnapshot): HostSnapshot => {
      for (const i of deviceIssues(s, this.device)) this.seen.set(`${i.command}\n${i.message}`, i)
      return s
    }
    const prepare = source.prepareRead?.bind(source)
    return {
      snapshot: async (options) => note(await source.snapshot(options)),
      onChange: (listener) => source.onChange(listener),
      ...(prepare
        ? {
            prepareRead: (parts: readonly DiscoveryPart[]) => {
              const p = prepare(parts)
              return (
                p && {
                  read: p.read,
                  land: (out: string, ms: number) => note(p.land(out, ms)),
                  release: () => p.release(),
                }
              )
            },
          }
        : {}),
      waitFor: async (predicate, options) =>
        note(
          await source.waitFor((s) => {
            const ok = predicate(s)
            if (ok) note(s)
            return ok
          }, options),
        ),
    }
  }

  /** The issues noted since the last call. */
  take(): ParseIssue[] {
    const out = [...this.seen.values()]
    this.seen.clear()
    return out
  }
}
