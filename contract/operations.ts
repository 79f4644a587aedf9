import { z } from 'zod'

import { LabErrorData } from './errors'
import { Bdf, DevlinkHandle, EswitchMode, SnapshotDiff } from './snapshot'

/**
 * Lifecycle operations the engine drives (docs/design.md §Lifecycle engine). Every identifier is
 * validated here, so nothing the renderer sends reaches a remote shell unvalidated; the engine
 * shell-quotes the rest.
 */

/** A kernel module name (`mlx5_ib`, `mlx5_core`). */
export const ModuleName = z.enum(['mlx5_ib', 'mlx5_core'])

/** A kernel driver name as sysfs spells it under `/sys/bus/<bus>/drivers/` (`nvme`, `vfio-pci`). */
export const DriverName = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/)

/**
 * A device on a bus whose driver can be unbound and bound: `pci/<bdf>` or `netdevsim/netdevsimN`
 * (the netdevsim bus device, drivers/net/netdevsim/bus.c). Same spelling as its devlink handle.
 */
export const BusDevice = z
  .string()
  .regex(/^(pci\/[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]|netdevsim\/netdevsim\d{1,9})$/)

/** A devlink health reporter name (`fw_fatal`, `tx`, netdevsim's `dummy`, …). */
export const ReporterName = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/)

export const OperationRequest = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('eswitch-mode'),
    device: DevlinkHandle,
    mode: EswitchMode,
    inlineMode: z.enum(['none', 'link', 'network', 'transport']).optional(),
    encapMode: z.enum(['none', 'basic']).optional(),
  }),
  z.object({
    op: z.literal('vf-count'),
    device: DevlinkHandle,
    count: z.number().int().min(0).max(1024),
  }),
  z.object({ op: z.literal('pci-unbind'), bdf: Bdf }),
  z.object({
    op: z.literal('pci-bind'),
    bdf: Bdf,
    /** Bind to this driver; without it the kernel picks the matching one (`drivers_probe`). */
    driver: DriverName.optional(),
  }),
  /** Unbinds a device (a PCI function or the netdevsim bus device) from its driver. */
  z.object({ op: z.literal('unbind'), device: BusDevice }),
  /** Binds a device to `driver`, or to the driver the kernel matches (`drivers_probe`). */
  z.object({ op: z.literal('bind'), device: BusDevice, driver: DriverName.optional() }),
  z.object({ op: z.literal('pci-reset'), bdf: Bdf }),
  z.object({ op: z.literal('module'), module: ModuleName, action: z.enum(['load', 'unload']) }),
  z.object({
    op: z.literal('devlink-reload'),
    device: DevlinkHandle,
    action: z.enum(['driver_reinit', 'fw_activate']),
  }),
  z.object({
    op: z.literal('health'),
    device: DevlinkHandle,
    port: z.number().int().optional(),
    reporter: ReporterName,
    action: z.enum(['recover', 'diagnose', 'dump']),
  }),
  z.object({
    op: z.literal('fw-tracer'),
    enable: z.boolean(),
    path: z.enum(['upstream', 'ofed']).optional(),
  }),
  z.object({
    op: z.literal('crdump'),
    device: DevlinkHandle,
    source: z.enum(['devlink', 'ofed']).optional(),
  }),
  z.object({
    op: z.literal('mlxconfig'),
    bdf: Bdf,
    action: z.enum(['query', 'set']),
    swRecoveryOnErrors: z.boolean().optional(),
  }),
  z.object({
    op: z.literal('fault'),
    device: DevlinkHandle.optional(),
    /**
     * `fw-assert`: a fatal firmware error (labsim) or, on netdevsim, a report to its `dummy`
     * reporter (debugfs `health/break_health`); `reload-fail`, `reload-refuse`, `recover-fail`:
     * netdevsim's own knobs; `clear` disarms them; the rest are labsim's.
     */
    fault: z.enum([
      'fw-assert',
      'ib-rep-load-fail',
      'reload-fail',
      'reload-refuse',
      'recover-fail',
      'clear',
      'hang',
      'slow',
      'disconnect',
      'reboot',
    ]),
    vport: z.number().int().optional(),
  }),
])
export type OperationRequest = z.infer<typeof OperationRequest>
export type OperationKind = OperationRequest['op']

/** One item of a blast radius: what else goes down when the operation runs. */
export const BlastItem = z.object({
  kind: z.enum(['netdev', 'representor', 'vf', 'vm', 'rdma', 'link', 'devlink', 'module']),
  name: z.string(),
  detail: z.string().optional(),
})
export type BlastItem = z.infer<typeof BlastItem>

/** A dry run: the exact commands, the blast radius and the precondition verdict. */
export const OperationPlan = z.object({
  hostId: z.string(),
  target: z.string(),
  request: OperationRequest,
  commands: z.array(z.string()),
  destructive: z.boolean(),
  blastRadius: z.array(BlastItem),
  precondition: z.object({ ok: z.boolean(), reasons: z.array(z.string()) }),
  expect: z.string(),
  /** The confirmation sentence naming host and device, as the UI shows it. */
  confirm: z.string(),
})
export type OperationPlan = z.infer<typeof OperationPlan>

/** One command as run: exit code, outputs (truncated to 64 KiB each) and duration in ms. */
export const CommandRecord = z.object({
  command: z.string(),
  code: z.number().int().nullable(),
  signal: z.string().nullable().optional(),
  stdout: z.string(),
  stderr: z.string(),
  durationMs: z.number(),
})
export type CommandRecord = z.infer<typeof CommandRecord>

/** Timings of one operation, in ms since it was issued. */
export const OperationTimings = z.object({
  issuedAt: z.string(),
  returnedMs: z.number().nullable(),
  observedMs: z.number().nullable(),
})

/** What an operation did. */
export const OperationResult = z.object({
  opId: z.string(),
  status: z.enum(['ok', 'failed', 'timeout', 'aborted']),
  commands: z.array(CommandRecord),
  timings: OperationTimings,
  output: z.string().optional(),
  diff: SnapshotDiff.optional(),
  /**
   * The state the operation's expectation is about, in words, as last observed (e.g.
   * `pci/0000:08:00.0: driver mlx5_core, mode legacy, …`): set once the device showed the
   * outcome or settled. The only verdict when the driver's outcome is not known.
   */
  observed: z.string().optional(),
  error: LabErrorData.optional(),
})
export type OperationResult = z.infer<typeof OperationResult>

/** Progress of a running operation (pushed). */
export const OperationProgress = z.object({
  opId: z.string(),
  hostId: z.string(),
  phase: z.enum(['precondition', 'command', 'waiting', 'done']),
  message: z.string(),
  elapsedMs: z.number(),
})
export type OperationProgress = z.infer<typeof OperationProgress>
