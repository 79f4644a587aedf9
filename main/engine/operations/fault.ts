import { assertNever, labError } from '../../../contract'
import { checkStructure } from '../invariants'
import { findDevice } from '../snapshot-query'
import { echoTo } from '../shell'
import { deviceBlastOf } from './blast'
import { deviceTracks, missing } from './device'
import type { FaultOptions, OperationModule, Req } from './operation'

/** The labsim fault injection file (labsim only; support is `[ -e <this> ]`). */
export const LABSIM_INJECT = '/sys/kernel/debug/labsim/inject'

/** The probe that tells whether a host supports fault injection (exit 0 = yes). */
export const INJECT_PROBE = `[ -e ${LABSIM_INJECT} ]`

const SUBSTRING = /^[A-Za-z0-9_.:/ -]{1,64}$/

/**
 * The labsim inject line of a fault request: `fw-assert <handle>`, `ib-rep-load-fail <handle>
 * <vport>`, `hang <substring>`, `slow <factor>`, `disconnect`, `reboot`.
 *
 * Throws `invalid-request` when a required field (device, vport) is missing or an option is bad.
 */
export function faultLine(request: Req<'fault'>, options: FaultOptions = {}): string {
  const need = (what: string): never => {
    throw labError('invalid-request', `fault ${request.fault} needs ${what}`)
  }
  switch (request.fault) {
    case 'fw-assert':
      return `fw-assert ${request.device ?? need('a device')}`
    case 'ib-rep-load-fail':
      return `ib-rep-load-fail ${request.device ?? need('a device')} ${request.vport ?? need('a vport')}`
    case 'hang': {
      const s = options.substring ?? 'devlink'
      if (!SUBSTRING.test(s)) need('a plain substring')
      return `hang ${s}`
    }
    case 'slow': {
      const f = options.factor ?? 4
      if (!(f > 0 && f <= 1000)) need('a factor in (0, 1000]')
      return `slow ${f}`
    }
    case 'disconnect':
    case 'reboot':
      return request.fault
    default:
      return assertNever(request.fault, 'fault kind')
  }
}

/**
 * `fault`: one line into labsim's inject file (labsim/README.md). An injected firmware assert
 * runs the fatal-error flow of docs/domain.md §3.2 (the device drops and recovers); an IB rep
 * load failure can leave representors broken (§4.3). Nothing to wait for: the effect comes later.
 */
export const fault: OperationModule<'fault'> = {
  kind: 'fault',
  usage:
    '<fw-assert|ib-rep-load-fail|hang|slow|disconnect|reboot> [device] [vport]   (labsim only)',
  probe: {
    command: INJECT_PROBE,
    unsupported: (target) => `fault injection is not supported on ${target} (labsim only)`,
  },
  fromArgs: ([kind, device, vport]) => ({
    op: 'fault',
    fault: kind,
    ...(device ? { device } : {}),
    ...(vport !== undefined ? { vport: Number(vport) } : {}),
  }),
  destructive: () => true,
  readOnly: () => false,
  subject: (request) => request.device ?? 'the host',
  lockSubject: (request) => request.device ?? '*',
  precondition: (request, snapshot) =>
    request.device && !findDevice(snapshot, request.device) ? missing(request.device) : [],
  commands: (request, _snapshot, options) => [
    echoTo(faultLine(request, options.faultOptions), LABSIM_INJECT),
  ],
  describe: (request) => `labsim accepted the ${request.fault} fault`,
  expectation: () => null,
  blastRadius: (request, snapshot) =>
    request.device ? deviceBlastOf(request.device, snapshot, false) : [],
  dropReason: (request) =>
    request.fault === 'fw-assert' && request.device
      ? `firmware fatal error injected on ${request.device}`
      : null,
  tracks(request, baseline) {
    if (!request.device) return []
    if (request.fault === 'fw-assert') return deviceTracks(baseline, request.device)
    if (request.fault !== 'ib-rep-load-fail') return []
    // An injected IB rep load failure can leave representors broken (domain.md §4.3).
    return checkStructure(baseline, request.device, { step: 'restore' }).length === 0
      ? [{ kind: 'reps', device: request.device, original: true }]
      : []
  },
}
