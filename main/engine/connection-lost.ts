import { LabError, toErrorData } from '../../contract'
import type { Finding } from '../../contract'
import type { DrillEnv } from './drill-types'
import type { FindingPlace } from './invariants'
import { isConnectionLossError, rediscover } from './reconnect'

/** What `connectionLostFindings` found out: the findings, and whether the host stayed silent. */
export interface LostConnection {
  readonly findings: Finding[]
  /** The host did not answer again within the step timeout: the drill should stop. */
  readonly offline: boolean
}

/**
 * Findings for an SSH connection lost during step `name` of a drill: a `connection-lost` error
 * naming the target and the SSH error, then, after waiting (up to the step's `timeoutMs`, on
 * the drill's signal) for the runner to reconnect and re-discovering the host (`rediscover`),
 * how long that took, or that it did not happen. A boot id different from the drill's baseline
 * adds a `fatal` `host-rebooted` finding naming both ids. Once back, the remote lock is retaken
 * (`relockFindings`) before anything else runs on the host. `where` replaces the default
 * `during step "<name>"`. Never rejects.
 */
export async function connectionLostFindings(
  env: DrillEnv,
  place: FindingPlace,
  message: string,
  where: string,
): Promise<LostConnection> {
  const lost: Finding = {
    severity: 'error',
    invariant: 'connection-lost',
    message: `SSH connection lost ${where} (${env.target}): ${message}`,
    ...place,
  }
  const back = await rediscover(env.ports.source, env.ports.clock, {
    timeoutMs: env.params.timeoutMs,
    signal: env.signal,
  }).catch((err: unknown) => toErrorData(err))
  if (!('snapshot' in back)) {
    if (back.code === 'aborted') {
      return {
        findings: [{ ...lost, message: `${lost.message}; drill cancelled` }],
        offline: false,
      }
    }
    return {
      findings: [{ ...lost, message: `${lost.message}; not reconnected: ${back.message}` }],
      offline: true,
    }
  }
  const again = `${lost.message}; reconnected and re-discovered after ${back.waitedMs} ms`
  const before = env.baseline.host.bootId
  const now = back.snapshot.host.bootId
  const same = !before || !now || before === now
  const findings: Finding[] = [{ ...lost, message: `${again}${same && now ? ', same boot' : ''}` }]
  if (!same) {
    findings.push({
      severity: 'fatal',
      invariant: 'host-rebooted',
      message: `${env.target} rebooted ${where} (boot id ${before} → ${now}); the kernel state is fresh`,
      ...place,
    })
  }
  const relock = await relockFindings(env, place, `after the reconnect ${where}`)
  return { findings: [...findings, ...(relock?.findings ?? [])], offline: relock?.offline ?? false }
}

/**
 * Retakes the remote lock of the device when a dropped connection released it (`HeldLocks`),
 * with the drill's timeout and signal; null when nothing was lost (or the env holds no locks).
 * Retaken: an `info` `lock-retaken` finding. Someone else took the device meanwhile (`host-busy`):
 * a `fatal` `lock-lost` finding naming the device, the target and the new owner, and `offline`
 * (no further command may run). A connection lost again is waited out once (`rediscover`) and
 * the retake tried again; any other failure (timeout, still lost) is a `connection-lost` error
 * and `offline`. Never rejects.
 */
export async function relockFindings(
  env: DrillEnv,
  place: FindingPlace,
  where: string,
): Promise<LostConnection | null> {
  const { locks, params, signal, device, target } = env
  if (!locks || (!locks.lost && !locks.takenBy)) return null
  const options = { timeoutMs: params.timeoutMs, signal }
  const relock = (): Promise<unknown> =>
    locks.relock(options).then(
      () => undefined,
      (e) => e,
    )
  let err = await relock()
  if (isConnectionLossError(err) && !signal.aborted) {
    const back = await rediscover(env.ports.source, env.ports.clock, options).catch(() => null)
    if (back) err = await relock()
  }
  const lock = `remote lock of ${device} on ${target}`
  const finding = (severity: Finding['severity'], invariant: string, message: string) => ({
    findings: [{ severity, invariant, message, ...place }],
    offline: severity !== 'info',
  })
  if (err === undefined) return finding('info', 'lock-retaken', `${lock} retaken ${where}`)
  if (err instanceof LabError && err === locks.takenBy) {
    return finding(
      'fatal',
      'lock-lost',
      `${lock} taken by ${err.data.detail ?? err.message} while the SSH connection was down; ` +
        'the device belongs to them now: no further step and no restore run',
    )
  }
  const why = toErrorData(err).message
  return finding('error', 'connection-lost', `${lock} not retaken ${where}: ${why}`)
}
