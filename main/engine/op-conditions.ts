import { assertNever } from '../../contract'
import type { HostSnapshot, OperationRequest } from '../../contract'
import { findDevice, findPciFunction, fwFatal, modeOf } from './snapshot-query'

/**
 * Pre- and postconditions of every operation, as pure predicates over `HostSnapshot`. The
 * kernel behaviour each encodes is cited inline (domain.md §1–§3).
 */

/** A postcondition: a predicate the snapshot must satisfy once the operation took effect. */
export type Postcondition = (snapshot: HostSnapshot) => boolean

/** Reasons the operation cannot run on this snapshot; empty when the precondition holds. */
export function preconditionReasons(request: OperationRequest, snapshot: HostSnapshot): string[] {
  const device =
    'device' in request && request.device ? findDevice(snapshot, request.device) : undefined
  const missing = (d: string): string[] => [`device ${d} is not present (unbound or unknown)`]
  switch (request.op) {
    case 'eswitch-mode':
      if (!device) return missing(request.device)
      return device.eswitch
        ? []
        : [`${request.device} has no E-Switch (devlink eswitch show failed)`]
    case 'vf-count': {
      if (!device) return missing(request.device)
      if (!device.pci) return [`${request.device} is not an SR-IOV PCI function`]
      const total = device.pci.totalvfs
      // drivers/pci/iov.c: value > sriov_totalvfs -> -ERANGE (domain.md §1.3)
      return request.count > total ? [`${request.count} VFs exceed sriov_totalvfs ${total}`] : []
    }
    case 'pci-unbind': {
      const fn = findPciFunction(snapshot, request.bdf)
      if (!fn) return [`${request.bdf} is not present or already unbound`]
      const driver = fn.kind === 'pf' ? fn.device.driver : fn.vf.driver
      return driver ? [] : [`${request.bdf} is not bound to a driver`]
    }
    case 'pci-bind': {
      // An unbound PF has no devlink device, so it is invisible to discovery: allowed.
      const fn = findPciFunction(snapshot, request.bdf)
      const driver = fn === undefined ? null : fn.kind === 'pf' ? fn.device.driver : fn.vf.driver
      return driver ? [`${request.bdf} is already bound to ${driver}`] : []
    }
    case 'pci-reset':
      return findPciFunction(snapshot, request.bdf) ? [] : [`${request.bdf} is not present`]
    case 'module': {
      const loaded = snapshot.host.modules[request.module] === true
      if (request.action === 'unload' && !loaded) return [`${request.module} is not loaded`]
      if (request.action === 'load' && loaded) return [`${request.module} is already loaded`]
      return []
    }
    case 'devlink-reload':
      return device ? [] : missing(request.device)
    case 'health': {
      if (!device) return missing(request.device)
      const found = device.health.some(
        (h) => h.reporter === request.reporter && h.port === request.port,
      )
      return found
        ? []
        : [`${request.device} has no ${request.reporter} reporter${portText(request.port)}`]
    }
    case 'fw-tracer':
      return request.path || snapshot.tracer?.path ? [] : ['no firmware tracer event on this host']
    case 'crdump':
      return device ? [] : missing(request.device)
    case 'mlxconfig':
      return findPciFunction(snapshot, request.bdf)?.kind === 'pf'
        ? []
        : [`${request.bdf} is not a PF`]
    case 'fault':
      if (request.device && !device) return missing(request.device)
      return []
    default:
      return assertNever(request, 'operation')
  }
}

function portText(port: number | undefined): string {
  return port === undefined ? '' : ` on port ${port}`
}

function vfPortCount(snapshot: HostSnapshot, handle: string): number {
  return findDevice(snapshot, handle)?.ports.filter((p) => p.flavour === 'pcivf').length ?? -1
}

/**
 * The postcondition of an operation given the snapshot before it, or null when there is no
 * observable effect to wait for (queries, dumps, fault injection).
 */
export function postconditionFor(
  request: OperationRequest,
  before: HostSnapshot,
): Postcondition | null {
  switch (request.op) {
    case 'eswitch-mode':
      // switchdev publishes one pcivf port per VF before the set returns (domain.md §1.2)
      return (s) => {
        const d = findDevice(s, request.device)
        if (modeOf(d) !== request.mode) return false
        return request.mode === 'legacy' || vfPortCount(s, request.device) === (d?.pci?.numvfs ?? 0)
      }
    case 'vf-count':
      return (s) => {
        const d = findDevice(s, request.device)
        if (d?.pci?.numvfs !== request.count || d.pci.vfs.length !== request.count) return false
        return modeOf(d) !== 'switchdev' || vfPortCount(s, request.device) === request.count
      }
    case 'pci-unbind':
      return (s) => {
        const fn = findPciFunction(s, request.bdf)
        return fn === undefined || (fn.kind === 'pf' ? !fn.device.driver : !fn.vf.driver)
      }
    case 'pci-bind':
      return (s) => {
        const fn = findPciFunction(s, request.bdf)
        return fn !== undefined && Boolean(fn.kind === 'pf' ? fn.device.driver : fn.vf.driver)
      }
    case 'pci-reset':
      return resetPostcondition(request.bdf, before)
    case 'module':
      return (s) => (s.host.modules[request.module] === true) === (request.action === 'load')
    case 'devlink-reload': {
      const mode = modeOf(findDevice(before, request.device))
      return (s) => {
        const d = findDevice(s, request.device)
        return Boolean(d?.driver) && modeOf(d) === mode
      }
    }
    case 'health':
      if (request.action !== 'recover') return null
      return (s) =>
        findDevice(s, request.device)?.health.find(
          (h) => h.reporter === request.reporter && h.port === request.port,
        )?.state === 'healthy'
    case 'fw-tracer':
      return before.tracer ? (s) => s.tracer?.enabled === request.enable : null
    case 'crdump':
    case 'mlxconfig':
    case 'fault':
      return null
    default:
      return assertNever(request, 'operation')
  }
}

/** VF FLR: the VF is back with its driver; PF reset: device back and fw_fatal healthy (§3.2). */
function resetPostcondition(bdf: string, before: HostSnapshot): Postcondition {
  const fn = findPciFunction(before, bdf)
  if (fn?.kind === 'vf') {
    const driver = fn.vf.driver
    return (s) => {
      const now = findPciFunction(s, bdf)
      return now?.kind === 'vf' && now.vf.driver === driver
    }
  }
  return (s) => {
    const now = findPciFunction(s, bdf)
    if (now?.kind !== 'pf' || !now.device.driver) return false
    const reporter = fwFatal(now.device)
    return reporter === undefined || reporter.state === 'healthy'
  }
}

/** What the postcondition means, in words, for plans and timeouts. */
export function expectationText(request: OperationRequest): string {
  switch (request.op) {
    case 'eswitch-mode':
      return `E-Switch of ${request.device} in ${request.mode} mode with one VF port per VF`
    case 'vf-count':
      return `${request.device} has ${request.count} VFs (and VF ports in switchdev)`
    case 'pci-unbind':
      return `${request.bdf} has no driver`
    case 'pci-bind':
      return `${request.bdf} bound to ${request.driver}`
    case 'pci-reset':
      return `${request.bdf} back with its driver after the reset; PF fw_fatal healthy`
    case 'module':
      return `${request.module} ${request.action === 'load' ? 'loaded' : 'not loaded'}`
    case 'devlink-reload':
      return `${request.device} back after ${request.action} in the same E-Switch mode`
    case 'health':
      return request.action === 'recover'
        ? `${request.reporter} reporter of ${request.device} healthy`
        : `${request.reporter} ${request.action} output of ${request.device}`
    case 'fw-tracer':
      return `firmware tracer ${request.enable ? 'enabled' : 'disabled'}`
    case 'crdump':
      return `crdump of ${request.device}`
    case 'mlxconfig':
      return `SW_RECOVERY_ON_ERRORS of ${request.bdf} ${request.action === 'set' ? 'set' : 'shown'}`
    case 'fault':
      return `labsim accepted the ${request.fault} fault`
    default:
      return assertNever(request, 'operation')
  }
}

/** Whether an operation disturbs traffic or state (the UI asks for confirmation). */
export function isDestructive(request: OperationRequest): boolean {
  switch (request.op) {
    case 'eswitch-mode':
    case 'vf-count':
    case 'pci-unbind':
    case 'pci-reset':
    case 'devlink-reload':
    case 'fault':
      return true
    case 'module':
      return request.action === 'unload'
    case 'health':
      return request.action === 'recover'
    case 'mlxconfig':
      return request.action === 'set'
    case 'pci-bind':
    case 'fw-tracer':
    case 'crdump':
      return false
    default:
      return assertNever(request, 'operation')
  }
}
