import { z } from 'zod'

/**
 * The host model: what discovery (main/host) produces and every view and drill check reads.
 *
 * The keys named in docs/design.md §Host model are stable (scripts rely on them); the
 * others are additions. Shapes follow docs/domain.md §1–§2.
 */

/** E-Switch modes as devlink spells them (docs/domain.md §1.1). */
export const EswitchMode = z.enum(['legacy', 'switchdev', 'switchdev_inactive'])
export type EswitchMode = z.infer<typeof EswitchMode>

/** devlink port flavours (iproute2 devlink.c `port_flavour_name`). */
export const PortFlavour = z.enum([
  'physical',
  'cpu',
  'dsa',
  'pcipf',
  'pcivf',
  'pcisf',
  'virtual',
  'unused',
  'unknown',
])
export type PortFlavour = z.infer<typeof PortFlavour>

/** A PCI BDF with domain, e.g. `0000:08:00.0` (lspci -D form). */
export const Bdf = z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/)
export type Bdf = z.infer<typeof Bdf>

/** A devlink device handle `bus/name`, e.g. `pci/0000:08:00.0` or `netdevsim/netdevsim10`. */
export const DevlinkHandle = z.string().regex(/^[a-z0-9_]+\/[A-Za-z0-9_.:-]+$/)
export type DevlinkHandle = z.infer<typeof DevlinkHandle>

/** A Linux netdev name (IFNAMSIZ 16 incl. NUL; no `/`, whitespace or `:`). */
export const NetdevName = z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/)

/** The IB representor port a netdev is attached to (rdma link). */
export const IbRepRef = z.object({ device: z.string(), port: z.number().int() })
export type IbRepRef = z.infer<typeof IbRepRef>

/** One devlink port, joined with its netdev and IB representor port. */
export const Port = z.object({
  /** devlink port index: `(vhca_id << 16) | vport` on mlx5 (docs/domain.md §1.4). */
  index: z.number().int(),
  flavour: PortFlavour,
  type: z.string().optional(),
  netdev: z.string().nullable(),
  pfnum: z.number().int().optional(),
  vfnum: z.number().int().optional(),
  sfnum: z.number().int().optional(),
  controller: z.number().int().optional(),
  external: z.boolean().optional(),
  physPortName: z.string().optional(),
  splittable: z.boolean().optional(),
  hwAddr: z.string().optional(),
  /** Function state for pcivf/pcisf ports (`active`/`inactive`), when reported. */
  functionState: z.string().optional(),
  ifindex: z.number().int().optional(),
  operstate: z.string().optional(),
  ibRep: IbRepRef.nullable(),
  /** For pcivf ports: the VF's PCI function and its bound driver. */
  vfBdf: z.string().optional(),
  vfDriver: z.string().nullable().optional(),
})
export type Port = z.infer<typeof Port>

/** One VF of a PF as sysfs shows it (`virtfn<i>` links). */
export const VfInfo = z.object({
  bdf: z.string(),
  vf: z.number().int(),
  /** Bound driver (`mlx5_core`, `vfio-pci`, …) or null when unbound. */
  driver: z.string().nullable(),
  netdev: z.string().nullable().optional(),
  mac: z.string().optional(),
  /** The VF's `reset_method` words (`flr`, …): how `/sys/bus/pci/devices/<bdf>/reset` resets it. */
  resetMethod: z.array(z.string()).optional(),
  /**
   * Why the VF is in use, when it is: bound to a passthrough driver (`bound to vfio-pci`), or its
   * netdev up with addresses (`enp8s0f0v1 up with 10.0.0.2/24`). Drills leave such VFs alone.
   */
  inUse: z.string().optional(),
})
export type VfInfo = z.infer<typeof VfInfo>

/** PCI facts of a PF (sysfs, lspci). */
export const PciInfo = z.object({
  bdf: z.string(),
  vendorId: z.string().optional(),
  deviceId: z.string(),
  model: z.string().optional(),
  numvfs: z.number().int(),
  totalvfs: z.number().int(),
  driversAutoprobe: z.boolean().optional(),
  resetMethod: z.array(z.string()).optional(),
  vfs: z.array(VfInfo),
})
export type PciInfo = z.infer<typeof PciInfo>

/**
 * SR-IOV where the kernel keeps it (docs/domain.md §1.3, §6): a PCI PF's sysfs directory
 * (`sriov_numvfs`, `sriov_totalvfs`; drivers/pci/iov.c) or a netdevsim bus device
 * (`sriov_numvfs`, limit in debugfs `max_vfs`; drivers/net/netdevsim/bus.c, 6.1).
 */
export const SriovInfo = z.object({
  bus: z.enum(['pci', 'netdevsim']),
  /** The sysfs directory holding `sriov_numvfs`, e.g. `/sys/bus/pci/devices/0000:08:00.0`. */
  sysfs: z.string(),
  numvfs: z.number().int(),
  /** Most VFs the device takes; null when it cannot be read (netdevsim's debugfs unmounted). */
  totalvfs: z.number().int().nullable(),
})
export type SriovInfo = z.infer<typeof SriovInfo>

/** E-Switch state of a devlink device (`devlink -j dev eswitch show`). */
export const EswitchInfo = z.object({
  mode: EswitchMode,
  inlineMode: z.string().optional(),
  encapMode: z.string().optional(),
})
export type EswitchInfo = z.infer<typeof EswitchInfo>

/** One devlink health reporter (`devlink -j health show`), docs/domain.md §2.4. */
export const HealthReporter = z.object({
  reporter: z.string(),
  /** Port index for per-port reporters (tx, rx, vnic on ports); absent for device reporters. */
  port: z.number().int().optional(),
  state: z.string(),
  error: z.number().int(),
  recover: z.number().int(),
  gracePeriodMs: z.number().optional(),
  autoRecover: z.boolean().optional(),
  autoDump: z.boolean().optional(),
  lastDump: z.string().optional(),
})
export type HealthReporter = z.infer<typeof HealthReporter>

/** `devlink -j dev info` essentials. */
export const DeviceInfo = z.object({
  driver: z.string().optional(),
  serialNumber: z.string().optional(),
  fwVersion: z.string().optional(),
  psid: z.string().optional(),
})
export type DeviceInfo = z.infer<typeof DeviceInfo>

/**
 * One device: a devlink instance with everything joined to it, or a PCI SR-IOV PF without one
 * (`devlink: false`, handle `pci/<bdf>`, no E-Switch, ports or reporters).
 */
export const Device = z.object({
  handle: z.string(),
  driver: z.string().nullable(),
  /** Whether the kernel lists a devlink instance for it; absent when devlink could not be read. */
  devlink: z.boolean().optional(),
  /** devlink's `reload_failed`: a reload left the instance down (net/devlink, 6.1). */
  reloadFailed: z.boolean().optional(),
  pci: PciInfo.nullable(),
  /** Where its VFs are configured, when it can have any. */
  sriov: SriovInfo.nullable().optional(),
  /**
   * The driver's own fault knobs that are armed now: netdevsim's debugfs `fail_reload` →
   * `reload-fail`, `dont_allow_reload` → `reload-refuse`, `health/fail_recover` → `recover-fail`
   * (drivers/net/netdevsim/dev.c, health.c, 6.1). Absent when the driver has none.
   */
  faults: z.array(z.enum(['reload-fail', 'reload-refuse', 'recover-fail'])).optional(),
  eswitch: EswitchInfo.nullable(),
  ports: z.array(Port),
  health: z.array(HealthReporter),
  info: DeviceInfo.nullable().optional(),
  /** Card this PF belongs to (same PCI slot or serial), see `HostSnapshot.cards`. */
  card: z.string().optional(),
  /** Uplink netdev (physical port) name, when known. */
  uplink: z.string().nullable().optional(),
  /** Where a crdump can be read from: upstream devlink fw_fatal dump or the OFED proc file. */
  crdump: z.enum(['devlink', 'ofed']).nullable().optional(),
  lag: z
    .object({ active: z.boolean(), mode: z.string().optional(), bond: z.string().optional() })
    .nullable()
    .optional(),
})
export type Device = z.infer<typeof Device>

/** One RDMA link (`rdma -j link show`), docs/domain.md §2.7. */
export const RdmaLink = z.object({
  device: z.string(),
  port: z.number().int(),
  netdev: z.string().nullable(),
  state: z.string(),
  physicalState: z.string().optional(),
})
export type RdmaLink = z.infer<typeof RdmaLink>

/** One RDMA device (`rdma -j dev show`). */
export const RdmaDevice = z.object({
  index: z.number().int(),
  name: z.string(),
  nodeType: z.string().optional(),
  fw: z.string().optional(),
  nodeGuid: z.string().optional(),
  sysImageGuid: z.string().optional(),
  /** Parent PCI function (from sysfs) when known. */
  parent: z.string().optional(),
})
export type RdmaDevice = z.infer<typeof RdmaDevice>

/** One network interface (`ip -j -d link show`), docs/domain.md §2.8. */
export const Netdev = z.object({
  ifindex: z.number().int(),
  ifname: z.string(),
  operstate: z.string().optional(),
  flags: z.array(z.string()).optional(),
  address: z.string().optional(),
  mtu: z.number().int().optional(),
  physPortName: z.string().optional(),
  physSwitchId: z.string().optional(),
  parentBus: z.string().optional(),
  parentDev: z.string().optional(),
  driver: z.string().optional(),
  vfCount: z.number().int().optional(),
  /**
   * Its addresses of global or site scope as `address/prefixlen` (`ip -j addr`'s `addr_info`);
   * link-local and host-scope ones are left out (every interface that is up has one).
   */
  addresses: z.array(z.string()).optional(),
})
export type Netdev = z.infer<typeof Netdev>

/** A card: PFs grouped by PCI slot (domain:bus:dev) or serial number. */
export const Card = z.object({
  id: z.string(),
  model: z.string().optional(),
  serial: z.string().optional(),
  devices: z.array(z.string()),
})
export type Card = z.infer<typeof Card>

/** A section of discovery output that did not parse: typed, with the offending bytes. */
export const ParseIssue = z.object({
  code: z.literal('parse-error'),
  host: z.string(),
  command: z.string(),
  message: z.string(),
  /** First offending bytes, at most 80, JSON-escaped by the consumer. */
  excerpt: z.string(),
  offset: z.number().int().optional(),
})
export type ParseIssue = z.infer<typeof ParseIssue>

/** Firmware tracer state: which tracing event path exists and whether it is enabled. */
export const TracerInfo = z.object({
  path: z.enum(['upstream', 'ofed']).nullable(),
  enabled: z.boolean(),
})
export type TracerInfo = z.infer<typeof TracerInfo>

/** The whole host as discovery saw it at `takenAt`. */
export const HostSnapshot = z.object({
  takenAt: z.string(),
  host: z.object({
    name: z.string(),
    kernel: z.string(),
    bootId: z.string().optional(),
    os: z.string().optional(),
    modules: z.object({ mlx5_core: z.boolean(), mlx5_ib: z.boolean() }).catchall(z.boolean()),
  }),
  devices: z.array(Device),
  rdma: z.array(RdmaLink),
  rdmaDevices: z.array(RdmaDevice).optional(),
  netdevs: z.array(Netdev).optional(),
  cards: z.array(Card).optional(),
  tracer: TracerInfo.optional(),
  errors: z.array(ParseIssue).optional(),
  /** Round trips discovery used and how long it took. */
  stats: z
    .object({ roundTrips: z.number().int(), durationMs: z.number(), bytes: z.number().int() })
    .optional(),
})
export type HostSnapshot = z.infer<typeof HostSnapshot>

/** One entry of a snapshot diff. `key` identifies the entity, e.g. `pci/0000:08:00.0/65535`. */
export const Change = z.object({
  kind: z.enum(['added', 'removed', 'changed']),
  entity: z.enum([
    'module',
    'device',
    'eswitch',
    'port',
    'vf',
    'reporter',
    'rdma',
    'netdev',
    'host',
  ]),
  key: z.string(),
  field: z.string().optional(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
})
export type Change = z.infer<typeof Change>

/** Difference between two snapshots: the unit of UI updates and drill checks. */
export const SnapshotDiff = z.object({
  from: z.string(),
  to: z.string(),
  changes: z.array(Change),
})
export type SnapshotDiff = z.infer<typeof SnapshotDiff>
