import type { Finding } from '../../contract'
import type { Recovery } from './host-link'
import type { FindingPlace } from './invariants'

/**
 * Link events (host-link.ts) as a drill's findings. Pure: the drill context asks its `HostLink`
 * to recover (reconnect, retake the remote lock) and hands the events here.
 */

/** What a lost connection amounts to: the findings, and whether the drill must stop. */
export interface LostConnection {
  readonly findings: Finding[]
  /** The host did not answer again, or the device is no longer ours: no further command. */
  readonly offline: boolean
}

/** Where the findings go and what they compare against. */
export interface LostContext {
  /** `user@host:port`. */
  readonly target: string
  /** The devlink handle under test. */
  readonly device: string
  /** The boot id at the start of the drill, when known. */
  readonly bootId?: string | undefined
  readonly place: FindingPlace
}

/**
 * Findings for an SSH connection lost `where` (e.g. `during step "vf count 2"`) with the SSH
 * error `message`, after the link's `recover`: a `connection-lost` error naming the target and
 * the error, then how long the reconnect took (`, same boot` when the boot id matched) or that it
 * did not happen (`; not reconnected: …`, offline; `; drill cancelled` on abort). A boot id
 * different from the baseline adds a `fatal` `host-rebooted` finding naming both ids. The lock
 * retake's findings follow (`lockFindings`).
 */
export function lostFindings(
  recovery: Recovery,
  ctx: LostContext,
  message: string,
  where: string,
): LostConnection {
  const lost: Finding = {
    severity: 'error',
    invariant: 'connection-lost',
    message: `SSH connection lost ${where} (${ctx.target}): ${message}`,
    ...ctx.place,
  }
  const { back } = recovery
  if (back.kind === 'offline') {
    if (back.error.code === 'aborted')
      return {
        findings: [{ ...lost, message: `${lost.message}; drill cancelled` }],
        offline: false,
      }
    return {
      findings: [{ ...lost, message: `${lost.message}; not reconnected: ${back.error.message}` }],
      offline: true,
    }
  }
  const again = `${lost.message}; reconnected and re-discovered after ${back.waitedMs} ms`
  const now = back.snapshot.host.bootId
  const same = !ctx.bootId || !now || ctx.bootId === now
  const findings: Finding[] = [{ ...lost, message: `${again}${same && now ? ', same boot' : ''}` }]
  if (!same) {
    findings.push({
      severity: 'fatal',
      invariant: 'host-rebooted',
      message: `${ctx.target} rebooted ${where} (boot id ${ctx.bootId} → ${now}); the kernel state is fresh`,
      ...ctx.place,
    })
  }
  const lock = lockFindings(recovery.lock, ctx, `after the reconnect ${where}`)
  return { findings: [...findings, ...(lock?.findings ?? [])], offline: lock?.offline ?? false }
}

/**
 * The findings of a lock retake (`HostLink.retakeLock`), null when nothing was retaken. Retaken:
 * an `info` `lock-retaken`. Taken by someone else meanwhile: a `fatal` `lock-lost` naming the
 * device, the target and the new owner, offline (no further command may run). Not retaken (a
 * timeout, the connection still lost): a `connection-lost` error, offline.
 */
export function lockFindings(
  event: Recovery['lock'],
  ctx: LostContext,
  where: string,
): LostConnection | null {
  if (event === null) return null
  const lock = `remote lock of ${ctx.device} on ${ctx.target}`
  const finding = (severity: Finding['severity'], invariant: string, message: string) => ({
    findings: [{ severity, invariant, message, ...ctx.place }],
    offline: severity !== 'info',
  })
  switch (event.kind) {
    case 'lock-retaken':
      return finding('info', 'lock-retaken', `${lock} retaken ${where}`)
    case 'lock-lost':
      return finding(
        'fatal',
        'lock-lost',
        `${lock} taken by ${event.by.data.detail ?? event.by.message} while the SSH connection was down; ` +
          'the device belongs to them now: no further step and no restore run',
      )
    case 'lock-failed':
      return finding(
        'error',
        'connection-lost',
        `${lock} not retaken ${where}: ${event.error.message}`,
      )
  }
}
