import type { Change, Finding, HostSnapshot } from '../../contract'
import {
  familyOf,
  findDevice,
  functionPorts,
  modeOf,
  repPorts,
  sriovOf,
  vfPort,
} from './snapshot-query'

/**
 * The driver invariants of docs/design.md §Lifecycle engine, as pure checks over snapshots. Each
 * returns `Finding[]` with the evidence; empty means the invariant holds.
 */

/** Where a finding was made. */
export interface FindingPlace {
  readonly step: string
  readonly iteration?: number
}

/** What a check expected and what it saw instead, in words (`Finding.expected`/`seen`). */
interface Shown {
  readonly expected: string
  readonly seen: string
}

function finding(
  place: FindingPlace,
  invariant: string,
  message: string,
  evidence?: unknown,
  shown?: Shown,
): Finding {
  return {
    severity: 'error',
    invariant,
    message,
    step: place.step,
    ...(place.iteration === undefined ? {} : { iteration: place.iteration }),
    ...(evidence === undefined
      ? {}
      : { evidence: typeof evidence === 'string' ? evidence : JSON.stringify(evidence) }),
    ...(shown ?? {}),
  }
}

/**
 * In switchdev every VF and SF has a devlink port with an ETH representor netdev, and the uplink
 * has its netdev (docs/domain.md §1.5: `REP_ETH LOADED` ⇔ rep netdev exists).
 */
export function checkEthReps(s: HostSnapshot, handle: string, place: FindingPlace): Finding[] {
  const d = findDevice(s, handle)
  if (!d || modeOf(d) !== 'switchdev') return []
  const out: Finding[] = []
  // VFs as the PF lists them; on netdevsim (VFs are not devices) VF 0 … numvfs-1 (§6).
  const vfs = d.pci?.vfs ?? nsimVfs(sriovOf(d)?.numvfs ?? 0)
  for (const vf of vfs) {
    const port = vfPort(d, vf.vf)
    if (!port)
      out.push(
        finding(
          place,
          'switchdev-eth-reps',
          `VF ${vf.vf} (${vf.bdf}) of ${handle} has no devlink port`,
          vf,
          { expected: `a pcivf devlink port for VF ${vf.vf}`, seen: 'no port' },
        ),
      )
    else if (!port.netdev) {
      out.push(
        finding(
          place,
          'switchdev-eth-reps',
          `ETH representor of VF ${vf.vf} vanished: port ${handle}/${port.index} has no netdev`,
          port,
          { expected: `an ETH representor netdev on ${handle}/${port.index}`, seen: 'no netdev' },
        ),
      )
    }
  }
  for (const p of d.ports) {
    if ((p.flavour === 'pcisf' || p.flavour === 'physical') && !p.netdev) {
      out.push(
        finding(
          place,
          'switchdev-eth-reps',
          `${p.flavour} port ${handle}/${p.index} has no netdev`,
          p,
        ),
      )
    }
  }
  return out
}

function nsimVfs(numvfs: number): Array<{ vf: number; bdf: string }> {
  return Array.from({ length: numvfs }, (_, vf) => ({ vf, bdf: `vf ${vf}` }))
}

/**
 * With mlx5_ib loaded, every representor netdev sits on a port of exactly one IB representor
 * device, all reps of one E-Switch on the same device, and no IB port outlives its ETH rep
 * (docs/domain.md §1.6, §4.1, §4.3).
 */
export function checkIbReps(s: HostSnapshot, handle: string, place: FindingPlace): Finding[] {
  const d = findDevice(s, handle)
  if (!d || modeOf(d) !== 'switchdev' || s.host.modules.mlx5_ib !== true) return []
  // Only mlx5 devices get IB representors from mlx5_ib (docs/domain.md §1.6).
  if (familyOf(d, handle) !== 'mlx5_core') return []
  const out: Finding[] = []
  const repNetdevs = new Set<string>()
  const ibDevices = new Set<string>()
  const missing: string[] = []
  for (const p of repPorts(d)) {
    if (!p.netdev) {
      if (p.ibRep)
        out.push(
          finding(
            place,
            'ib-rep-without-eth-rep',
            `IB representor ${p.ibRep.device}/${p.ibRep.port} has no ETH representor (port ${handle}/${p.index})`,
            p,
          ),
        )
      continue
    }
    repNetdevs.add(p.netdev)
    const devices = [...new Set(s.rdma.filter((l) => l.netdev === p.netdev).map((l) => l.device))]
    devices.forEach((x) => ibDevices.add(x))
    if (devices.length === 0) missing.push(`${p.netdev} (${handle}/${p.index})`)
    else if (devices.length > 1) {
      out.push(
        finding(
          place,
          'ib-reps',
          `representor ${p.netdev} sits on ${devices.length} IB devices: ${devices.join(', ')}`,
          devices,
        ),
      )
    }
  }
  if (missing.length > 0) {
    const ev = s.rdma.map((l) => `${l.device}/${l.port} ${l.netdev ?? '-'}`).join('\n')
    const total = repNetdevs.size
    out.push(
      finding(
        place,
        'ib-reps',
        `IB representors missing for ${missing.join(', ')}`,
        ev || 'rdma link show: no links',
        {
          expected: `an IB representor port on each of the ${total} representor netdevs of ${handle}`,
          seen: `${total - missing.length} of ${total}; none on ${missing.join(', ')}`,
        },
      ),
    )
  }
  if (ibDevices.size > 1) {
    out.push(
      finding(
        place,
        'ib-reps',
        `representors of ${handle} spread over IB devices ${[...ibDevices].join(', ')}`,
        undefined,
        { expected: 'one IB representor device', seen: [...ibDevices].join(', ') },
      ),
    )
  }
  const known = s.netdevs ? new Set(s.netdevs.map((n) => n.ifname)) : undefined
  for (const l of s.rdma) {
    if (!ibDevices.has(l.device) || !l.netdev || repNetdevs.has(l.netdev)) continue
    if (known === undefined || !known.has(l.netdev)) {
      out.push(
        finding(
          place,
          'ib-rep-without-eth-rep',
          `IB port ${l.device}/${l.port} points at ${l.netdev}, which is not an ETH representor`,
          l,
        ),
      )
    }
  }
  return out
}

/** In legacy there are no VF/SF representor ports (docs/domain.md §1.2: reps exist only in switchdev). */
export function checkLegacy(s: HostSnapshot, handle: string, place: FindingPlace): Finding[] {
  const d = findDevice(s, handle)
  if (!d || modeOf(d) !== 'legacy') return []
  const ports = functionPorts(d)
  if (ports.length === 0) return []
  return [
    finding(
      place,
      'legacy-no-vf-reps',
      `${handle} is in legacy but has ${ports.length} VF/SF representor ports`,
      ports.map((p) => `${handle}/${p.index} ${p.netdev ?? '-'}`).join('\n'),
      { expected: 'no VF/SF representor ports in legacy', seen: `${ports.length} ports` },
    ),
  ]
}

/** All structural invariants of one device. */
export function checkStructure(s: HostSnapshot, handle: string, place: FindingPlace): Finding[] {
  return [
    ...checkEthReps(s, handle, place),
    ...checkIbReps(s, handle, place),
    ...checkLegacy(s, handle, place),
  ]
}

function netdevKeyMatches(change: Change, name: string): boolean {
  return change.entity === 'netdev' && (change.key === name || change.key.split('/').includes(name))
}

/**
 * A VF reset leaves the PF and the other VFs untouched: same ifindex, no carrier flap
 * (NVIDIA Reset Flow doc: "only that VF resets"; docs/domain.md §3.4). `changes` are the snapshot
 * diffs observed during the reset.
 */
export function checkIsolation(
  before: HostSnapshot,
  after: HostSnapshot,
  changes: readonly Change[],
  handle: string,
  resetBdf: string,
  place: FindingPlace,
): Finding[] {
  const d = findDevice(before, handle)
  if (!d) return []
  const watched = new Set<string>()
  if (d.uplink) watched.add(d.uplink)
  for (const p of d.ports) if (p.flavour === 'physical' && p.netdev) watched.add(p.netdev)
  for (const vf of d.pci?.vfs ?? []) if (vf.bdf !== resetBdf && vf.netdev) watched.add(vf.netdev)
  const out: Finding[] = driversKept(before, after, handle, resetBdf, place)
  for (const name of watched) {
    const a = before.netdevs?.find((n) => n.ifname === name)
    const b = after.netdevs?.find((n) => n.ifname === name)
    if (a && !b)
      out.push(
        finding(
          place,
          'vf-reset-isolation',
          `${name} vanished during the reset of ${resetBdf}`,
          a,
          { expected: `${name} kept (ifindex ${a.ifindex})`, seen: `${name} gone` },
        ),
      )
    else if (a && b && a.ifindex !== b.ifindex) {
      out.push(
        finding(
          place,
          'vf-reset-isolation',
          `${name} changed ifindex ${a.ifindex} → ${b.ifindex} during the reset of ${resetBdf}`,
          undefined,
          { expected: `ifindex ${a.ifindex}`, seen: `ifindex ${b.ifindex}` },
        ),
      )
    }
    const flaps = changes.filter(
      (c) =>
        netdevKeyMatches(c, name) &&
        (c.kind !== 'changed' || c.field === 'operstate' || c.field === 'ifindex'),
    )
    if (flaps.length > 0 && !out.some((f) => f.message.startsWith(name))) {
      out.push(
        finding(
          place,
          'vf-reset-isolation',
          `${name} flapped during the reset of ${resetBdf}`,
          flaps,
          { expected: `${name} untouched`, seen: `${flaps.length} change(s) during the reset` },
        ),
      )
    }
  }
  return out
}

/** The PF and every VF but the reset one keep their driver and their place (pci.c, 6.1). */
function driversKept(
  before: HostSnapshot,
  after: HostSnapshot,
  handle: string,
  resetBdf: string,
  place: FindingPlace,
): Finding[] {
  const a = findDevice(before, handle)
  const b = findDevice(after, handle)
  const out: Finding[] = []
  if (a?.driver !== b?.driver)
    out.push(
      finding(
        place,
        'vf-reset-isolation',
        `${handle} went from driver ${a?.driver ?? 'none'} to ${b?.driver ?? 'none'} during the reset of ${resetBdf}`,
      ),
    )
  for (const vf of a?.pci?.vfs ?? []) {
    if (vf.bdf === resetBdf) continue
    const now = b?.pci?.vfs.find((v) => v.bdf === vf.bdf)
    if (!now)
      out.push(
        finding(
          place,
          'vf-reset-isolation',
          `VF ${vf.bdf} vanished during the reset of ${resetBdf}`,
          vf,
        ),
      )
    else if (now.driver !== vf.driver)
      out.push(
        finding(
          place,
          'vf-reset-isolation',
          `VF ${vf.bdf} went from driver ${vf.driver ?? 'none'} to ${now.driver ?? 'none'} during the reset of ${resetBdf}`,
        ),
      )
  }
  return out
}

/**
 * After a fatal error the fw_fatal `error` and `recover` counters move and the device comes back
 * healthy (docs/domain.md §3.2 steps 4–5).
 */
export function checkFatalRecovery(
  before: HostSnapshot,
  after: HostSnapshot,
  handle: string,
  place: FindingPlace,
  reporter = 'fw_fatal',
): Finding[] {
  const of = (dev: ReturnType<typeof findDevice>) =>
    dev?.health.find((h) => h.reporter === reporter && h.port === undefined)
  const a = of(findDevice(before, handle))
  const d = findDevice(after, handle)
  const b = of(d)
  if (!d?.driver)
    return [finding(place, 'fatal-recovery', `${handle} did not come back after the fatal error`)]
  if (!a || !b) return [finding(place, 'fatal-recovery', `${handle} has no ${reporter} reporter`)]
  const ev = { before: a, after: b }
  const out: Finding[] = []
  if (b.error <= a.error)
    out.push(
      finding(
        place,
        'fatal-recovery',
        `${reporter} error counter did not move (${a.error} → ${b.error})`,
        ev,
      ),
    )
  if (b.recover <= a.recover)
    out.push(
      finding(
        place,
        'fatal-recovery',
        `${reporter} recover counter did not move (${a.recover} → ${b.recover})`,
        ev,
      ),
    )
  if (b.state !== 'healthy')
    out.push(
      finding(place, 'fatal-recovery', `${reporter} reporter is ${b.state}, not healthy`, ev),
    )
  return out
}

/** Kernel splat markers (lockdep, KASAN, hung task, WARN/BUG), docs/design.md §Lifecycle engine. */
export const SPLAT_PATTERNS: readonly RegExp[] = [
  /WARNING:/,
  /BUG:/,
  /Call Trace/,
  /possible circular locking dependency/,
  /KASAN/,
  /blocked for more than/,
]

/** Lines after a splat header that belong to it (its `Call Trace` is not a second splat). */
const SPLAT_BODY_LINES = 40

/** A finding per splat in a dmesg delta, with the surrounding lines as evidence. */
export function checkSplats(lines: readonly string[], place: FindingPlace): Finding[] {
  const out: Finding[] = []
  let lastHeader = -Infinity
  lines.forEach((line, i) => {
    const hit = SPLAT_PATTERNS.find((p) => p.test(line))
    if (!hit) return
    if (hit.source === 'Call Trace' && i - lastHeader <= SPLAT_BODY_LINES) return
    lastHeader = i
    const evidence = lines.slice(Math.max(0, i - 2), i + 12).join('\n')
    out.push({
      ...finding(place, 'no-kernel-splat', `kernel splat: ${line.trim()}`, evidence),
      severity: 'fatal',
    })
  })
  return out
}
