import { toErrorData } from '../../contract'
import type { Finding } from '../../contract'
import type { DrillEnv } from './drill-types'
import type { FindingPlace } from './invariants'
import { rediscover } from './reconnect'

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
 * adds a `fatal` `host-rebooted` finding naming both ids. `where` replaces the default
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
  if (!before || !now || before === now) {
    return {
      findings: [{ ...lost, message: `${again}${now ? ', same boot' : ''}` }],
      offline: false,
    }
  }
  const rebooted: Finding = {
    severity: 'fatal',
    invariant: 'host-rebooted',
    message: `${env.target} rebooted ${where} (boot id ${before} → ${now}); the kernel state is fresh`,
    ...place,
  }
  return { findings: [{ ...lost, message: again }, rebooted], offline: false }
}
