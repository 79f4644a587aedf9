import { assertNever, labError } from '../../../contract'
import { checkStructure } from '../invariants'
import { findDevice } from '../snapshot-query'
import { echoTo, shellArg } from '../shell'
import { deviceBlastOf } from './blast'
import { deviceTracks, missing } from './device'
import type { FaultOptions, OperationModule, Req } from './operation'

/** The labsim fault injection file (labsim only; support is `[ -e <this> ]`). */
export const LABSIM_INJECT = '/sys/kernel/debug/labsim/inject'

/** The probe that tells whether a host supports fault injection (exit 0 = yes). */
export const INJECT_PROBE = `[ -e ${LABSIM_INJECT} ]`

const SUBSTRING = /^[A-Za-z0-9_.:/ -]{1,64}$/

/** The faults netdevsim arms through its own debugfs knobs (dev.c, health.c, 6.1). */
const NSIM_KNOBS = {
  'reload-fail': 'fail_reload',
  'reload-refuse': 'dont_allow_reload',
  'recover-fail': 'health/fail_recover',
} as const

/** netdevsim's debugfs directory of a device (`/sys/kernel/debug/netdevsim/netdevsimN`). */
export function nsimDebugfs(handle: string): string {
  return `/sys/kernel/debug/netdevsim/${handle.slice('netdevsim/'.length)}`
}

/**
 * The labsim inject line of a fault request: `fw-assert <handle>`, `ib-rep-load-fail <handle>
 * <vport>`, `hang <substring>`, `slow <factor>`, `disconnect`, `reboot`, `clear`.
 *
 * Throws `invalid-request` when a required field (device, vport) is missing or an option is bad,
 * `unsupported` for the knobs only netdevsim has.
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
    case 'clear':
      return request.fault
    case 'reload-fail':
    case 'reload-refuse':
    case 'recover-fail':
      throw labError('unsupported', `${request.fault} is a netdevsim debugfs knob; mlx5 has none`)
    default:
      return assertNever(request.fault, 'fault kind')
  }
}

/**
 * The commands of a fault on a netdevsim device: its own debugfs knobs, as the kernel's selftests
 * drive them (tools/testing/selftests/drivers/net/netdevsim/devlink.sh, 6.1). `fw-assert` reports
 * an error to the `dummy` reporter (`health/break_health`); `clear` disarms every knob.
 */
function nsimCommands(request: Req<'fault'>, handle: string): string[] {
  const dir = nsimDebugfs(handle)
  switch (request.fault) {
    case 'fw-assert':
      return [echoTo('replab fatal-recovery', `${dir}/health/break_health`)]
    case 'reload-fail':
    case 'reload-refuse':
    case 'recover-fail':
      return [echoTo('Y', `${dir}/${NSIM_KNOBS[request.fault]}`)]
    case 'clear':
      // After a failed reload the instance's debugfs (health/ included) is gone: skip what is.
      return Object.values(NSIM_KNOBS).map(
        (k) => `if [ -e ${shellArg(`${dir}/${k}`)} ]; then ${echoTo('N', `${dir}/${k}`)}; fi`,
      )
    default:
      throw labError(
        'unsupported',
        `${request.fault} is a labsim fault; ${handle} is a real netdevsim device (its faults: fw-assert, reload-fail, reload-refuse, recover-fail, clear)`,
      )
  }
}

/** Whether a request goes to netdevsim's own knobs rather than labsim's inject file. */
function onNetdevsim(request: Req<'fault'>): request is Req<'fault'> & { device: string } {
  return request.device?.startsWith('netdevsim/') === true
}

/**
 * `fault`: the driver's own fault injection where it has one (netdevsim's debugfs knobs), else one
 * line into labsim's inject file (labsim/README.md). An injected firmware assert runs the
 * fatal-error flow of docs/domain.md §3.2 (the device drops and recovers); an IB rep load failure
 * can leave representors broken (§4.3); netdevsim's knobs make its next reload or recovery fail
 * (§6). Nothing to wait for: the effect comes with the next operation.
 */
export const fault: OperationModule<'fault'> = {
  kind: 'fault',
  usage:
    '<fw-assert|ib-rep-load-fail|reload-fail|reload-refuse|recover-fail|clear|hang|slow|disconnect|reboot> [device] [vport]',
  probe(request) {
    if (onNetdevsim(request)) {
      const knob = `${nsimDebugfs(request.device)}/fail_reload`
      return {
        command: `[ -e ${knob} ]`,
        unsupported: (target) => `${knob} is missing on ${target} (is debugfs mounted?)`,
      }
    }
    return {
      command: INJECT_PROBE,
      unsupported: (target) => `fault injection is not supported on ${target} (labsim only)`,
    }
  },
  fromArgs: ([kind, device, vport]) => ({
    op: 'fault',
    fault: kind,
    ...(device ? { device } : {}),
    ...(vport !== undefined ? { vport: Number(vport) } : {}),
  }),
  destructive: (request) => request.fault !== 'clear',
  readOnly: () => false,
  subject: (request) => request.device ?? 'the host',
  lockSubject: (request) => request.device ?? '*',
  precondition: (request, snapshot) =>
    request.device && !findDevice(snapshot, request.device) ? missing(request.device) : [],
  commands: (request, _snapshot, options) =>
    onNetdevsim(request)
      ? nsimCommands(request, request.device)
      : [echoTo(faultLine(request, options.faultOptions), LABSIM_INJECT)],
  describe: (request) =>
    onNetdevsim(request)
      ? `netdevsim armed ${request.fault} on ${request.device}`
      : `labsim accepted the ${request.fault} fault`,
  expectation: () => null,
  reads: [],
  planReads: ['pci', 'nsim'],
  blastRadius: (request, snapshot) =>
    request.device && request.fault !== 'clear'
      ? deviceBlastOf(request.device, snapshot, false)
      : [],
  dropReason: (request) =>
    request.fault === 'fw-assert' && request.device && !onNetdevsim(request)
      ? `firmware fatal error injected on ${request.device}`
      : null,
  tracks(request, baseline) {
    if (!request.device) return []
    if (onNetdevsim(request)) {
      if (!(request.fault in NSIM_KNOBS)) return []
      const armed = findDevice(baseline, request.device)?.faults ?? []
      const name = request.fault as keyof typeof NSIM_KNOBS
      return [
        { kind: 'fault', device: request.device, fault: name, original: armed.includes(name) },
      ]
    }
    if (request.fault === 'fw-assert') return deviceTracks(baseline, request.device)
    if (request.fault !== 'ib-rep-load-fail') return []
    // An injected IB rep load failure can leave representors broken (docs/domain.md §4.3).
    return checkStructure(baseline, request.device, { step: 'restore' }).length === 0
      ? [{ kind: 'reps', device: request.device, original: true }]
      : []
  },
}
