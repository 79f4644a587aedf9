import type { OperationKind, OperationRequest } from '../../../contract'
import { bind } from './bind'
import { crdump } from './crdump'
import { devlinkReload } from './devlink-reload'
import { eswitchMode } from './eswitch-mode'
import { fault } from './fault'
import { fwTracer } from './fw-tracer'
import { health } from './health'
import { mlxconfig } from './mlxconfig'
import { moduleOp } from './module'
import type { OperationModule } from './operation'
import { pciBind } from './pci-bind'
import { pciReset } from './pci-reset'
import { pciUnbind } from './pci-unbind'
import { unbind } from './unbind'
import { vfCount } from './vf-count'

/**
 * Every operation kind and its module, in the order the CLI lists them. Typed so that a kind
 * added to the contract's `OperationRequest` without a module is a type error.
 */
export const OPERATIONS: { readonly [K in OperationKind]: OperationModule<K> } = {
  'eswitch-mode': eswitchMode,
  'vf-count': vfCount,
  'pci-unbind': pciUnbind,
  'pci-bind': pciBind,
  'pci-reset': pciReset,
  unbind,
  bind,
  module: moduleOp,
  'devlink-reload': devlinkReload,
  health,
  'fw-tracer': fwTracer,
  crdump,
  mlxconfig,
  fault,
}

/**
 * The module of a request's kind, typed to take any request: sound because it is looked up by
 * `request.op`, so its methods only ever receive requests of their own kind.
 */
export function operationFor(request: OperationRequest): OperationModule<OperationKind> {
  return OPERATIONS[request.op] as OperationModule<OperationKind>
}

/** Whether `name` is an operation kind (for front doors parsing words). */
export function isOperationKind(name: string): name is OperationKind {
  return Object.hasOwn(OPERATIONS, name)
}

/** A command of an operation with the reason it drops the device, if it does. */
export interface DroppingCommand {
  readonly command: string
  /** `OperationModule.dropReason` of the request it came from; null when nothing drops. */
  readonly drop: string | null
}

export type {
  CommandOptions,
  Expectation,
  FaultOptions,
  OperationModule,
  Req,
  SupportProbe,
} from './operation'
export { knownExpectation, unknownExpectation } from './operation'
export { faultLine, INJECT_PROBE, LABSIM_INJECT } from './fault'
export { TRACER_PATHS } from './fw-tracer'
