import type { ParseIssue } from '../../contract/snapshot'
import type { Discovery } from './discover'

/**
 * Monitor streams cut for a flood: a `devlink -j monitor` or `ip -j monitor` that printed one
 * value larger than the splitter's limit without ending it (json-splitter.ts) is killed, and the
 * watcher falls back to polling and retries it with backoff. Until the restarted stream delivers
 * a real event again the host is degraded: every snapshot carries a `parse-error` naming the
 * monitor command, how much it held and how the value began, so the console shows it. Drills are
 * not affected (snapshot-issues.ts ignores monitor commands): their reads are fresh discoveries.
 */
export class MonitorFloods {
  private readonly issues = new Map<'devlink' | 'ip', ParseIssue>()

  /** Records a cut stream of `kind`. */
  cut(kind: 'devlink' | 'ip', command: string, held: number, head: string, host: string): void {
    this.issues.set(kind, {
      code: 'parse-error',
      host,
      command,
      message:
        `monitor stream cut: one value grew past ${held} characters without ending; ` +
        `the host is watched by polling until the restarted stream delivers events again`,
      excerpt: head.slice(0, 80),
      offset: 0,
    })
  }

  /**
   * Records a stream of `kind` cut because it printed `text`, which decodes to no event
   * (monitor-decoder.ts): the host is watched by polling while it stays so.
   */
  undecoded(kind: 'devlink' | 'ip', command: string, text: string, host: string): void {
    this.issues.set(kind, {
      code: 'parse-error',
      host,
      command,
      message:
        `monitor stream cut: its output is not a monitor event replab can decode; ` +
        `the host is watched by polling until the restarted stream delivers events`,
      excerpt: text.slice(0, 80),
      offset: 0,
    })
  }

  /** True (once) when `kind` was degraded and just delivered an event again. */
  recovered(kind: 'devlink' | 'ip'): boolean {
    return this.issues.delete(kind)
  }

  /** `discovery` with the current flood issues added to its snapshot's errors. */
  mark(discovery: Discovery): Discovery {
    const base = (discovery.snapshot.errors ?? []).filter(
      (e) => !e.message.startsWith('monitor stream cut:'),
    )
    const errors = [...base, ...this.issues.values()]
    return { ...discovery, snapshot: { ...discovery.snapshot, errors } }
  }
}
