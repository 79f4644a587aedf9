import { labError, type HostSnapshot } from '../../contract'
import type { HostIdentity, StartEntry } from './journal'
import type { CommandRunner } from './ports'

/**
 * Which host a run belongs to. A drill journals at its start the target, the SHA256 host key
 * fingerprint its SSH connection verified and the kernel boot id; `Engine.resumeRestore`
 * compares them with the connected host before it runs anything, so a journal is never replayed
 * onto another machine (or onto the same machine after a reboot reset what it recorded).
 */

/** The host a runner reaches, as a restore compares it. */
export interface ConnectedHost {
  readonly target: string
  readonly hostKey?: string | undefined
  readonly bootId?: string | undefined
}

/** The identity to journal for `runner` and the host's `snapshot` (no command runs). */
export function identityOf(
  runner: CommandRunner,
  snapshot: HostSnapshot | undefined,
): HostIdentity {
  const bootId = snapshot?.host.bootId
  return {
    ...(runner.hostKey ? { hostKey: runner.hostKey } : {}),
    ...(bootId ? { bootId } : {}),
  }
}

/** The connected host of `runner` with the boot id of its fresh `snapshot`. */
export function connectedHost(runner: CommandRunner, snapshot: HostSnapshot): ConnectedHost {
  return { target: runner.target, hostKey: runner.hostKey, bootId: snapshot.host.bootId }
}

const show = (v: string | undefined): string => v ?? 'none'

/**
 * Why the connected host is not the run's host: one clause per differing item naming the
 * recorded and the connected value; null when everything recorded matches. A run journaled
 * without an identity (older replab, or a start line that cannot be read) never matches.
 */
export function identityMismatch(
  start: Pick<StartEntry, 'target' | 'identity'> | undefined,
  now: ConnectedHost,
): string | null {
  if (!start) return `its start line is unreadable, so the host it ran on is unknown`
  const id = start.identity
  if (!id) return `it was journaled without a host identity (host key, boot id), by an older replab`
  const out: string[] = []
  if (start.target !== now.target)
    out.push(`target: recorded ${start.target}, connected ${now.target}`)
  if (id.hostKey !== undefined && id.hostKey !== now.hostKey)
    out.push(`host key: recorded ${id.hostKey}, connected ${show(now.hostKey)}`)
  if (id.bootId !== undefined && id.bootId !== now.bootId)
    out.push(`boot id: recorded ${id.bootId}, connected ${show(now.bootId)}`)
  return out.length > 0 ? out.join('; ') : null
}

/**
 * The `host-mismatch` error of a refused restore: names the run, why the host differs (both
 * values) and the override. Nothing has run on the host when it is raised.
 */
export function hostMismatchError(runId: string, target: string, why: string): Error {
  return labError(
    'host-mismatch',
    `refusing to restore run ${runId} onto ${target}: ${why}. Nothing was run or restored. ` +
      `If this really is the run's host, rerun with --ignore-host-identity`,
    { host: target },
  )
}
