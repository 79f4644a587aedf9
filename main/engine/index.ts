/**
 * The lifecycle engine's public surface (docs/design.md §Lifecycle engine). Wire it with
 * `createEngine({ runnerFor, snapshotSourceFor, journal, consoleIdentity, clock })`.
 */
export {
  createEngine,
  Engine,
  type DrillHandle,
  type EngineDeps,
  type EngineOpOptions,
} from './engine'
export type {
  Clock,
  CommandRunner,
  ConsoleIdentity,
  HostPorts,
  JournalStore,
  SnapshotOptions,
  SnapshotSource,
  WaitOptions,
} from './ports'
export { systemClock } from './ports'
export { withFreshFallback, type FreshFallbackOptions } from './fresh-fallback'
export { plan, subjectOf, type PlanTarget } from './plan'
export {
  faultLine,
  INJECT_PROBE,
  isOperationKind,
  LABSIM_INJECT,
  OPERATIONS,
  operationFor,
  TRACER_PATHS,
  type CommandOptions,
  type DroppingCommand,
  type Expectation,
  type FaultOptions,
  type OperationModule,
} from './operations'
export { runOperation, type OperationOutcome, type RunOperationOptions } from './run-operation'
export {
  OPERATION_SETTLE_MS,
  waitSettled,
  type SettleOutcome,
  type SettleWaitOptions,
} from './settle-wait'
export { DRILLS, drillDefaults, listDrills } from './drills'
export { planDrill, resolveParams, type DrillPlanInput, type PastRun } from './drill-plan'
export { refusalOf } from './drill-start'
export { HostLink, type LinkEvent, type Recovery } from './host-link'
export { auditAction } from './audit'
export {
  checkEthReps,
  checkFatalRecovery,
  checkIbReps,
  checkIsolation,
  checkLegacy,
  checkSplats,
  checkStructure,
} from './invariants'
export { acquireRemoteLock, DeviceLocks, type RemoteLock } from './locks'
export { lockCommand, lockKey, lockOwner, shellArg, shellJoin } from './shell'
export { foldJournal, JournalEntry, reportOf, summaryOf, type JournalRun } from './journal'
export { renderReport, reportFileName, type ReportFormat } from './reports/render'
