import type { Device, HealthReporter, HostSnapshot, Netdev, Port, RdmaLink } from '../../contract'
import type { FakeOptions, FakePf } from './fake-mlx5-host'

/**
 * The `HostSnapshot` discovery would produce from the model of fake-mlx5-host.ts: a ConnectX-6
 * Dx (firmware 22.x, docs/domain.md §2.6) whose ports, representors and IB representor device follow
 * docs/domain.md §1.4 (port indexes), §1.6 (one IB rep device per E-Switch, VF v on port v + 2, SFs
 * after the VFs, the uplink on the last port) and §1.7 (netdev and phys_port_name names).
 */

/** What the snapshot is built from (the model's state). */
export interface FakeModel {
  readonly options: FakeOptions
  readonly ports: number
  readonly modules: { readonly mlx5_core: boolean; readonly mlx5_ib: boolean }
  readonly pfs: readonly FakePf[]
  readonly tracer: boolean
}

const SERIAL = 'MT2146X09876'

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0')
}

function vfBdfOf(m: FakeModel, pf: FakePf, v: number): string {
  const fn = m.ports + v
  return `0000:08:${hex2(pf.pfnum * 4 + Math.floor(fn / 8))}.${fn % 8}`
}

function health(pf: FakePf): HealthReporter[] {
  const error = pf.fatal.state === 'error'
  return [
    {
      reporter: 'fw_fatal',
      state: pf.fatal.state,
      error: pf.fatal.error,
      recover: pf.fatal.recover,
      gracePeriodMs: 60000,
      autoRecover: true,
      autoDump: true,
      ...(error ? { lastDump: '2026-11-21 14:02:11' } : {}),
    },
    { reporter: 'fw', state: 'healthy', error: 0, recover: 0, autoRecover: true, autoDump: true },
    { reporter: 'tx', port: pf.pfnum * 0x10000 + 65535, state: 'healthy', error: 0, recover: 0 },
  ]
}

/** One bound PF: its device entry, plus the netdevs and RDMA links it contributes. */
function pfDevice(m: FakeModel, pf: FakePf, netdevs: Netdev[], rdma: RdmaLink[]): Device {
  const p = pf.pfnum
  const nd = (name: string, up = true): string => {
    netdevs.push({ ifindex: pf.ifs.get(name) ?? 0, ifname: name, operstate: up ? 'UP' : 'DOWN' })
    return name
  }
  const sw = pf.mode === 'switchdev'
  const uplink = nd(`${pf.base}np${p}`)
  const vfs = pf.vfBound.map((bound, v) => ({
    bdf: vfBdfOf(m, pf, v),
    vf: v,
    driver: bound ? 'mlx5_core' : null,
    netdev: bound ? nd(`${pf.base}v${v}`, !pf.vfDown.has(v)) : null,
    ...(pf.vfInUse.has(v) ? { inUse: pf.vfInUse.get(v) } : {}),
  }))
  const sfs = sw && p === 0 ? (m.options.sfs ?? 0) : 0
  const ib = m.modules.mlx5_ib && pf.ibLoaded && sw
  const ibDev = `mlx5_${2 + p}`
  const last = 2 + pf.numvfs + sfs // §1.6: PF vport, VFs, SFs, then the uplink
  const ibRep = (port: number, netdev: string | null): Port['ibRep'] => {
    if (!ib) return null
    rdma.push({ device: ibDev, port, netdev, state: 'ACTIVE' })
    return { device: ibDev, port }
  }
  const ports: Port[] = [
    {
      index: 65535 + p * 0x10000,
      flavour: 'physical',
      netdev: uplink,
      pfnum: p,
      physPortName: `p${p}`,
      operstate: 'up',
      hwAddr: `b8:3f:d2:00:0${p}:00`,
      splittable: false,
      ibRep: ibRep(last, uplink),
    },
  ]
  if (!sw && m.modules.mlx5_ib)
    rdma.push({ device: `mlx5_${p}`, port: 1, netdev: uplink, state: 'ACTIVE' })
  for (let v = 0; sw && v < pf.numvfs; v++) {
    const netdev = pf.ethGone.has(v) ? null : nd(`${pf.base}npf${p}vf${v}`, !pf.vfDown.has(v))
    const bdf = vfBdfOf(m, pf, v)
    ports.push({
      index: p * 0x10000 + 1 + v,
      flavour: 'pcivf',
      pfnum: p,
      vfnum: v,
      netdev,
      physPortName: `pf${p}vf${v}`,
      operstate: pf.vfBound[v] && !pf.vfDown.has(v) ? 'up' : 'down',
      hwAddr: `02:00:00:0${p}:${hex2(v >> 8)}:${hex2(v & 255)}`,
      functionState: 'active',
      vfBdf: bdf,
      vfDriver: pf.vfBound[v] ? 'mlx5_core' : null,
      ibRep: pf.ibMissing.has(v) ? null : ibRep(v + 2, netdev),
    })
  }
  for (let i = 0; i < sfs; i++) {
    ports.push({
      index: 0x8000 + i,
      flavour: 'pcisf',
      pfnum: 0,
      sfnum: i + 1,
      netdev: nd(`${pf.base}npf0sf${i + 1}`, i % 7 !== 0),
      physPortName: `pf0sf${i + 1}`,
      operstate: i % 7 === 0 ? 'down' : 'up',
      hwAddr: `06:00:00:${hex2(i >> 16)}:${hex2((i >> 8) & 255)}:${hex2(i & 255)}`,
      functionState: 'active',
      ibRep: ibRep(2 + pf.numvfs + i, `${pf.base}npf0sf${i + 1}`),
    })
  }
  return {
    handle: pf.handle,
    driver: 'mlx5_core',
    uplink,
    card: '0000:08:00',
    pci: {
      bdf: pf.bdf,
      deviceId: '101d',
      model: 'ConnectX-6 Dx',
      numvfs: pf.numvfs,
      totalvfs: 8,
      vfs,
    },
    eswitch: { mode: pf.mode, inlineMode: 'none', encapMode: 'basic' },
    ports,
    health: health(pf),
    info: {
      driver: 'mlx5_core',
      serialNumber: SERIAL,
      fwVersion: '22.39.1002',
      psid: 'MT_0000000359',
    },
    crdump: 'devlink',
  }
}

/** The snapshot of the model now. */
export function snapshotOf(m: FakeModel): HostSnapshot {
  const netdevs: Netdev[] = []
  const rdma: RdmaLink[] = []
  const devices = m.pfs.filter((pf) => pf.bound).map((pf) => pfDevice(m, pf, netdevs, rdma))
  return {
    takenAt: new Date().toISOString(),
    host: { name: m.options.name ?? 'fake-a', kernel: '6.15.0-fake', modules: { ...m.modules } },
    devices,
    rdma,
    netdevs,
    cards: [
      {
        id: '0000:08:00',
        model: 'ConnectX-6 Dx',
        serial: SERIAL,
        devices: m.pfs.map((pf) => pf.handle),
      },
    ],
    tracer: { path: 'upstream', enabled: m.tracer },
  }
}
