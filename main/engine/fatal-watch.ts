import { toErrorData } from '../../contract'
import type { Finding, HostSnapshot } from '../../contract'
import type { DrillEnv } from './drill-types'
import type { FindingPlace } from './invariants'
import { shellArg } from './shell'

/**
 * Watches the device's `fw_fatal` health reporter across drill steps: a firmware fatal error
 * the drill did not cause (docs/domain.md §3.2) becomes a `fatal` finding with the crdump as evidence
 * (`devlink health dump show … reporter fw_fatal`, docs/domain.md §3.3).
 */
export class FatalWatch {
  /** fw_fatal error count last seen on the device (null: the baseline's). */
  private seen: number | null = null
  /** Set by drills that cause a fatal error on purpose (fatal-recovery). */
  private expected = false

  constructor(private readonly env: DrillEnv) {}

  /** Declares that this drill raises fw_fatal errors itself (no `fw-fatal` finding for them). */
  expect(): void {
    this.expected = true
  }

  /**
   * Findings for step `name`: one `fatal` finding when the reporter's error counter rose since
   * the last step, with the crdump (or why it was not collected) as evidence. Never rejects: an
   * unreadable snapshot (connection lost) leaves the check to the next step.
   */
  async check(name: string, place: FindingPlace): Promise<Finding[]> {
    if (this.expected) return []
    const device = this.env.device
    const count = (s: HostSnapshot): number =>
      s.devices
        .find((d) => d.handle === device)
        ?.health.find((r) => r.reporter === 'fw_fatal' && r.port === undefined)?.error ?? 0
    this.seen ??= count(this.env.baseline)
    const snapshot = await this.env.ports.source.snapshot({ fresh: false }).catch(() => null)
    if (!snapshot) return []
    const now = count(snapshot)
    if (now <= this.seen) return []
    const rose = now - this.seen
    this.seen = now
    const command = `devlink health dump show ${shellArg(device)} reporter fw_fatal`
    const dump = await this.env.ports.runner
      .exec(command, { timeoutMs: this.env.params.timeoutMs, signal: this.env.signal })
      .then(
        (r) => (r.stdout || r.stderr).slice(0, 8000),
        (e: unknown) => `not collected: ${toErrorData(e).message}`,
      )
    return [
      {
        severity: 'fatal',
        invariant: 'fw-fatal',
        message: `${device}: fw_fatal reported ${rose} new error${rose === 1 ? '' : 's'} during "${name}", a firmware fatal error this drill did not cause`,
        evidence: `$ ${command}   # crdump\n${dump}`,
        ...place,
      },
    ]
  }
}
