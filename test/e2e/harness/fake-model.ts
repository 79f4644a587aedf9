import type { Device, HostSnapshot, Port } from '../../../contract/snapshot'

/**
 * The state behind the test-only fake `window.lab`: a dual-port ConnectX-6 Dx per host, shaped
 * like labsim's (reference/domain.md §1.4 port indexes, §1.7 names). Test harness only; never
 * shipped and never imported by renderer/.
 */
export interface FakeHostState {
  mode: ('legacy' | 'switchdev')[]
  numvfs: number[]
  mlx5ib: boolean
  tracer: boolean
  /** Extra SF ports on PF0 (the 2,000-row host). */
  sfs: number
  /** VFs whose driver is unbound, by BDF. */
  unbound: Set<string>
  /** PF0 fw_fatal in error. */
  fatal: boolean
  /** Drop the IB rep of PF0 VF 1 (late IB reps bug). */
  missingIbRep: boolean
}

/** A new host state: legacy, no VFs, mlx5_ib loaded, tracer off. */
export function freshState(sfs = 0): FakeHostState {
  return {
    mode: ['legacy', 'legacy'],
    numvfs: [0, 0],
    mlx5ib: true,
    tracer: false,
    sfs,
    unbound: new Set(),
    fatal: false,
    missingIbRep: false,
  }
}

function hex(n: number, w = 2): string {
  return n.toString(16).padStart(w, '0')
}

/** VF BDF: VFs of PF0 start at 08:00.2, of PF1 at 08:04.2, 8 functions per device. */
export function vfBdf(pf: number, vf: number): string {
  const fn = 2 + vf
  return `0000:08:${hex(pf * 4 + Math.floor(fn / 8))}.${fn % 8}`
}

function ports(s: FakeHostState, pf: number, ibBase: number): Port[] {
  const handle = `enp8s0f${pf}`
  const sw = s.mode[pf] === 'switchdev'
  const ib = (port: number) => (s.mlx5ib && sw ? { device: `mlx5_${ibBase}`, port } : null)
  const out: Port[] = [
    {
      index: 65535 + pf * 0x10000,
      flavour: 'physical',
      netdev: `${handle}np${pf}`,
      pfnum: pf,
      physPortName: `p${pf}`,
      operstate: 'up',
      hwAddr: `b8:3f:d2:00:0${pf}:00`,
      ibRep: ib(1),
      splittable: false,
    },
  ]
  if (!sw) return out
  out.push({
    index: pf * 0x10000,
    flavour: 'pcipf',
    netdev: `${handle}npf${pf}`,
    pfnum: pf,
    physPortName: `pf${pf}`,
    operstate: 'up',
    hwAddr: `b8:3f:d2:00:1${pf}:00`,
    ibRep: ib(2),
  })
  for (let v = 0; v < s.numvfs[pf]!; v++) {
    const bdf = vfBdf(pf, v)
    const missing = s.missingIbRep && pf === 0 && v === 1
    out.push({
      index: pf * 0x10000 + 1 + v,
      flavour: 'pcivf',
      netdev: `${handle}npf${pf}vf${v}`,
      pfnum: pf,
      vfnum: v,
      physPortName: `pf${pf}vf${v}`,
      operstate: s.unbound.has(bdf) ? 'down' : 'up',
      hwAddr: `02:00:00:0${pf}:${hex(v >> 8)}:${hex(v & 255)}`,
      functionState: 'active',
      ibRep: missing ? null : ib(3 + v),
      vfBdf: bdf,
      vfDriver: s.unbound.has(bdf) ? null : 'mlx5_core',
    })
  }
  if (pf === 0) {
    for (let i = 0; i < s.sfs; i++) {
      out.push({
        index: 0x8000 + i,
        flavour: 'pcisf',
        netdev: `${handle}npf0sf${i + 1}`,
        pfnum: 0,
        sfnum: i + 1,
        physPortName: `pf0sf${i + 1}`,
        operstate: i % 7 === 0 ? 'down' : 'up',
        hwAddr: `06:00:00:${hex(i >> 16)}:${hex((i >> 8) & 255)}:${hex(i & 255)}`,
        functionState: 'active',
        ibRep: ib(1000 + i),
      })
    }
  }
  return out
}

function device(s: FakeHostState, pf: number): Device {
  const bdf = `0000:08:00.${pf}`
  return {
    handle: `pci/${bdf}`,
    driver: 'mlx5_core',
    pci: {
      bdf,
      deviceId: '0x101d',
      model: 'ConnectX-6 Dx',
      numvfs: s.numvfs[pf]!,
      totalvfs: 8,
      vfs: Array.from({ length: s.numvfs[pf]! }, (_, v) => ({
        bdf: vfBdf(pf, v),
        vf: v,
        driver: s.unbound.has(vfBdf(pf, v)) ? null : 'mlx5_core',
      })),
    },
    eswitch: { mode: s.mode[pf]!, inlineMode: 'none', encapMode: 'basic' },
    ports: ports(s, pf, pf * 2),
    health: [
      { reporter: 'fw', state: 'healthy', error: 0, recover: 0, autoRecover: true, autoDump: true },
      {
        reporter: 'fw_fatal',
        state: s.fatal && pf === 0 ? 'error' : 'healthy',
        error: s.fatal && pf === 0 ? 1 : 0,
        recover: 0,
        gracePeriodMs: 60000,
        autoRecover: true,
        autoDump: true,
        ...(s.fatal && pf === 0 ? { lastDump: '2026-11-21 14:02:11' } : {}),
      },
      { reporter: 'tx', port: pf * 0x10000 + 65535, state: 'healthy', error: 0, recover: 0 },
    ],
    info: {
      driver: 'mlx5_core',
      serialNumber: 'MT2146X09876',
      fwVersion: '22.39.1002',
      psid: 'MT_0000000359',
    },
    card: '0000:08:00',
    uplink: `enp8s0f${pf}np${pf}`,
    crdump: 'devlink',
  }
}

/** The snapshot of a fake host. */
export function snapshotOf(
  name: string,
  s: FakeHostState,
  takenAt = new Date().toISOString(),
): HostSnapshot {
  return {
    takenAt,
    host: { name, kernel: '6.12.0-replab-sim', modules: { mlx5_core: true, mlx5_ib: s.mlx5ib } },
    devices: [device(s, 0), device(s, 1)],
    rdma: [],
    cards: [
      {
        id: '0000:08:00',
        model: 'ConnectX-6 Dx',
        serial: 'MT2146X09876',
        devices: ['pci/0000:08:00.0', 'pci/0000:08:00.1'],
      },
    ],
    tracer: { path: 'upstream', enabled: s.tracer },
    stats: { roundTrips: 3, durationMs: 18.4, bytes: 48211 },
  }
}
