import { assertNever, labError } from '../../contract'
import type { HostSnapshot, OperationRequest } from '../../contract'
import { echoTo, shellJoin } from './shell'
import { findDevice, handleBdf } from './snapshot-query'

/**
 * The exact shell commands of every operation (DESIGN.md §Lifecycle engine), built from
 * identifiers the contract already validated and quoted again here. Pure.
 */

/** The labsim fault injection file (labsim only; support is `[ -e <this> ]`). */
export const LABSIM_INJECT = '/sys/kernel/debug/labsim/inject'

/** The probe that tells whether a host supports fault injection (exit 0 = yes). */
export const INJECT_PROBE = `[ -e ${LABSIM_INJECT} ]`

/** Firmware tracer enable files (domain.md §3.1): upstream `mlx5_fw`, old OFED `fw_tracer`. */
export const TRACER_PATHS = {
  upstream: '/sys/kernel/debug/tracing/events/mlx5/mlx5_fw/enable',
  ofed: '/sys/kernel/debug/tracing/events/mlx5/fw_tracer/enable',
} as const

/** Extra arguments of `hang`/`slow` faults that the contract request does not carry. */
export interface FaultOptions {
  /** `hang <substring>`: commands containing this substring hang. Default `devlink`. */
  readonly substring?: string
  /** `slow <factor>`: multiply simulated latencies. Default 4. */
  readonly factor?: number
}

type FaultRequest = Extract<OperationRequest, { op: 'fault' }>

const SUBSTRING = /^[A-Za-z0-9_.:/ -]{1,64}$/

/**
 * The labsim inject line of a fault request: `fw-assert <handle>`, `ib-rep-load-fail <handle>
 * <vport>`, `hang <substring>`, `slow <factor>`, `disconnect`, `reboot`.
 *
 * Throws `invalid-request` when a required field (device, vport) is missing or an option is bad.
 */
export function faultLine(request: FaultRequest, options: FaultOptions = {}): string {
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

function sysfsDev(bdf: string, file: string): string {
  return `/sys/bus/pci/devices/${bdf}/${file}`
}

function pfBdf(handle: string, snapshot: HostSnapshot): string {
  const bdf = handleBdf(handle, findDevice(snapshot, handle))
  if (bdf === undefined) throw labError('unsupported', `${handle} is not a PCI device`)
  return bdf
}

/**
 * The commands of one operation, in order. `snapshot` supplies facts the request lacks (the
 * PF's BDF, the current VF count, the tracer path, the crdump source).
 *
 * Throws `invalid-request` / `unsupported` when the request cannot be turned into commands.
 */
export function commandsFor(
  request: OperationRequest,
  snapshot: HostSnapshot,
  faultOptions?: FaultOptions,
): string[] {
  switch (request.op) {
    case 'eswitch-mode': {
      const words = ['devlink', 'dev', 'eswitch', 'set', request.device, 'mode', request.mode]
      if (request.inlineMode) words.push('inline-mode', request.inlineMode)
      if (request.encapMode) words.push('encap-mode', request.encapMode)
      return [shellJoin(words)]
    }
    case 'vf-count': {
      const bdf = pfBdf(request.device, snapshot)
      const path = sysfsDev(bdf, 'sriov_numvfs')
      const current = findDevice(snapshot, request.device)?.pci?.numvfs ?? 0
      // drivers/pci/iov.c sriov_numvfs_store: nonzero -> different nonzero is -EBUSY (domain.md §1.3)
      if (current > 0 && request.count > 0 && current !== request.count) {
        return [echoTo('0', path), echoTo(String(request.count), path)]
      }
      return [echoTo(String(request.count), path)]
    }
    case 'pci-unbind':
      return [echoTo(request.bdf, sysfsDev(request.bdf, 'driver/unbind'))]
    case 'pci-bind':
      return [echoTo(request.bdf, `/sys/bus/pci/drivers/${request.driver}/bind`)]
    case 'pci-reset':
      return [echoTo('1', sysfsDev(request.bdf, 'reset'))]
    case 'module':
      return [
        shellJoin(
          request.action === 'load'
            ? ['modprobe', request.module]
            : ['modprobe', '-r', request.module],
        ),
      ]
    case 'devlink-reload':
      return [shellJoin(['devlink', 'dev', 'reload', request.device, 'action', request.action])]
    case 'health':
      return [healthCommand(request)]
    case 'fw-tracer': {
      const path = request.path ?? snapshot.tracer?.path ?? 'upstream'
      return [echoTo(request.enable ? '1' : '0', TRACER_PATHS[path])]
    }
    case 'crdump': {
      const source = request.source ?? findDevice(snapshot, request.device)?.crdump ?? 'devlink'
      if (source === 'devlink') {
        return [
          shellJoin(['devlink', 'health', 'dump', 'show', request.device, 'reporter', 'fw_fatal']),
        ]
      }
      return [
        shellJoin(['cat', `/proc/driver/mlx5_core/crdump/${pfBdf(request.device, snapshot)}`]),
      ]
    }
    case 'mlxconfig':
      if (request.action === 'query') {
        return [shellJoin(['mlxconfig', '-d', request.bdf, '-e', 'query', 'SW_RECOVERY_ON_ERRORS'])]
      }
      if (request.swRecoveryOnErrors === undefined) {
        throw labError('invalid-request', 'mlxconfig set needs swRecoveryOnErrors')
      }
      return [
        shellJoin([
          'mlxconfig',
          '-d',
          request.bdf,
          '-y',
          'set',
          `SW_RECOVERY_ON_ERRORS=${request.swRecoveryOnErrors ? 'true' : 'false'}`,
        ]),
      ]
    case 'fault':
      return [echoTo(faultLine(request, faultOptions), LABSIM_INJECT)]
    default:
      return assertNever(request, 'operation')
  }
}

function healthCommand(request: Extract<OperationRequest, { op: 'health' }>): string {
  const target = request.port === undefined ? request.device : `${request.device}/${request.port}`
  const verb = request.action === 'dump' ? ['dump', 'show'] : [request.action]
  return shellJoin(['devlink', 'health', ...verb, target, 'reporter', request.reporter])
}
