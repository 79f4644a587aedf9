import type { Change, HostSnapshot, SnapshotDiff } from '../../contract/snapshot'

/**
 * Snapshot diffs: the unit of UI updates and drill checks (contract `SnapshotDiff`). Entities are
 * keyed so a diff line names exactly what moved: devices by handle, ports `<handle>/<index>`,
 * VFs `<handle>/vf<N>`, reporters `<handle>[/<port>]/<reporter>`, rdma links `<dev>/<port>`,
 * netdevs by name, modules by name.
 */

type Entity = Change['entity']

/** Compares two snapshots of one host. Pure; `changes` are ordered by entity then key. */
export function diffSnapshots(a: HostSnapshot, b: HostSnapshot): SnapshotDiff {
  const changes: Change[] = []
  const push = (c: Change): void => {
    changes.push(c)
  }
  diffFields('host', 'host', a.host, b.host, ['kernel', 'bootId', 'os'], push)
  // The firmware tracer has no devlink event: without this entry a fresh read that saw it
  // turn off published nothing, and the console kept showing it on (issue 18).
  diffFields('host', 'tracer', { ...a.tracer }, { ...b.tracer }, ['path', 'enabled'], push)
  diffModules(a, b, push)
  const devA = new Map(a.devices.map((d) => [d.handle, d]))
  const devB = new Map(b.devices.map((d) => [d.handle, d]))
  diffKeyed('device', devA, devB, DEVICE_FIELDS, push, (d) => ({
    driver: d.driver,
    uplink: d.uplink ?? null,
    lag: d.lag ?? null,
    crdump: d.crdump ?? null,
    card: d.card ?? null,
    numvfs: d.pci?.numvfs ?? null,
    fwVersion: d.info?.fwVersion ?? null,
  }))
  diffKeyed('eswitch', eswitches(a), eswitches(b), ['mode', 'inlineMode', 'encapMode'], push)
  diffKeyed('port', ports(a), ports(b), PORT_FIELDS, push)
  diffKeyed('vf', vfs(a), vfs(b), ['bdf', 'driver', 'netdev', 'mac'], push)
  diffKeyed('reporter', reporters(a), reporters(b), REPORTER_FIELDS, push)
  diffKeyed('rdma', rdma(a), rdma(b), ['netdev', 'state', 'physicalState'], push)
  diffKeyed('netdev', netdevs(a), netdevs(b), NETDEV_FIELDS, push)
  return { from: a.takenAt, to: b.takenAt, changes }
}

const DEVICE_FIELDS = ['driver', 'uplink', 'lag', 'crdump', 'card', 'numvfs', 'fwVersion']
const PORT_FIELDS = [
  'flavour',
  'type',
  'netdev',
  'pfnum',
  'vfnum',
  'sfnum',
  'physPortName',
  'hwAddr',
  'functionState',
  'operstate',
  'ibRep',
  'vfBdf',
  'vfDriver',
]
const REPORTER_FIELDS = [
  'state',
  'error',
  'recover',
  'gracePeriodMs',
  'autoRecover',
  'autoDump',
  'lastDump',
]
const NETDEV_FIELDS = [
  'ifindex',
  'operstate',
  'address',
  'mtu',
  'physPortName',
  'physSwitchId',
  'vfCount',
]

type Rec = Record<string, unknown>

function diffModules(a: HostSnapshot, b: HostSnapshot, push: (c: Change) => void): void {
  const names = new Set([...Object.keys(a.host.modules), ...Object.keys(b.host.modules)])
  for (const name of [...names].sort()) {
    const before = a.host.modules[name] ?? false
    const after = b.host.modules[name] ?? false
    if (before === after) continue
    push({ kind: after ? 'added' : 'removed', entity: 'module', key: name, before, after })
  }
}

function same(x: unknown, y: unknown): boolean {
  return JSON.stringify(x ?? null) === JSON.stringify(y ?? null)
}

function diffFields(
  entity: Entity,
  key: string,
  before: Rec,
  after: Rec,
  fields: readonly string[],
  push: (c: Change) => void,
): void {
  for (const field of fields) {
    if (same(before[field], after[field])) continue
    push({ kind: 'changed', entity, key, field, before: before[field], after: after[field] })
  }
}

function diffKeyed<T extends object>(
  entity: Entity,
  a: Map<string, T>,
  b: Map<string, T>,
  fields: readonly string[],
  push: (c: Change) => void,
  view: (x: T) => Rec = (x) => x as Rec,
): void {
  for (const [key, x] of a) if (!b.has(key)) push({ kind: 'removed', entity, key, before: x })
  for (const [key, y] of b) {
    const x = a.get(key)
    if (x === undefined) push({ kind: 'added', entity, key, after: y })
    else {
      const vx = view(x)
      const vy = view(y)
      diffFields(entity, key, vx, vy, fields, push)
    }
  }
}

function eswitches(s: HostSnapshot): Map<string, Rec> {
  const out = new Map<string, Rec>()
  for (const d of s.devices) if (d.eswitch !== null) out.set(d.handle, d.eswitch)
  return out
}

function ports(s: HostSnapshot): Map<string, Rec> {
  return new Map(s.devices.flatMap((d) => d.ports.map((p) => [`${d.handle}/${p.index}`, p])))
}

function vfs(s: HostSnapshot): Map<string, Rec> {
  return new Map(
    s.devices.flatMap((d) => (d.pci?.vfs ?? []).map((v) => [`${d.handle}/vf${v.vf}`, v])),
  )
}

function reporters(s: HostSnapshot): Map<string, Rec> {
  return new Map(
    s.devices.flatMap((d) =>
      d.health.map((r) => {
        const at = r.port === undefined ? d.handle : `${d.handle}/${r.port}`
        return [`${at}/${r.reporter}`, r] as const
      }),
    ),
  )
}

function rdma(s: HostSnapshot): Map<string, Rec> {
  return new Map(s.rdma.map((l) => [`${l.device}/${l.port}`, l]))
}

function netdevs(s: HostSnapshot): Map<string, Rec> {
  return new Map((s.netdevs ?? []).map((n) => [n.ifname, n]))
}
