import type { Device, DrillInfo, DrillParams, HostSnapshot } from '../../../contract'
import type { DrillContext } from '../drill-context'
import { familyOf, findDevice, sriovOf, type DriverFamily } from '../snapshot-query'

/** What a drill is asked to run on: the device as the baseline shows it. */
export interface DrillTarget {
  readonly device: Device
  readonly snapshot: HostSnapshot
  readonly family: DriverFamily
  /** The host offers labsim's fault injection. */
  readonly faultSupported: boolean
}

/** One drill: its description, where it applies, and one iteration of its procedure. */
export interface DrillDefinition {
  readonly info: DrillInfo
  /** Parameter defaults of this drill where they differ from `DrillParams`' (e.g. race iterations). */
  readonly defaults?: Partial<DrillParams>
  /**
   * The fewest VFs the drill runs with; absent when it never sets the VF count. Without a `vfs`
   * parameter the drill keeps the device's current count, raised to this minimum.
   */
  readonly minVfs?: number
  /**
   * Why the drill does not apply to this device (it lacks what the drill exercises: mlx5_ib, PCI
   * VFs, a fatal-error reporter…), or null when it applies. The run then ends `not-applicable`
   * with this reason, changing nothing.
   */
  applies(target: DrillTarget): string | null
  /** Runs one iteration; failed steps throw `StepFailure` (the runner records and continues). */
  iterate(ctx: DrillContext): Promise<void>
}

/** The verdict before a drill starts: errors in the request, or why the drill does not apply. */
export interface DrillVerdict {
  /** The device is not there: the request is wrong (the run is an `error`). */
  readonly blockers: string[]
  /** The device cannot do what the drill exercises (the run is `not-applicable`). */
  readonly notApplicable: string | null
}

/** Checks a drill against the device under test in the baseline snapshot. Pure. */
export function drillVerdict(
  def: DrillDefinition,
  snapshot: HostSnapshot,
  handle: string,
  faultSupported: boolean,
): DrillVerdict {
  const device = findDevice(snapshot, handle)
  if (!device)
    return {
      blockers: [`device ${handle} is not present on ${snapshot.host.name}`],
      notApplicable: null,
    }
  const target = { device, snapshot, family: familyOf(device, handle), faultSupported }
  return { blockers: [], notApplicable: def.applies(target) }
}

/**
 * The common requirement of the E-Switch drills: a devlink instance with an E-Switch and SR-IOV
 * (a PCI PF or the netdevsim bus device) that can have VFs. Null when met.
 */
export function needsEswitchAndVfs(t: DrillTarget, kind: string): string | null {
  const { device } = t
  if (!device.driver) return `${device.handle} has no driver bound`
  if (device.devlink === false || !device.eswitch)
    return `${kind} exercises an E-Switch; ${device.handle} (driver ${device.driver}) has none`
  const sriov = sriovOf(device)
  if (!sriov || sriov.totalvfs === 0)
    return `${kind} needs VFs; ${device.handle} has no SR-IOV (or sriov_totalvfs is 0)`
  return null
}

/** The driver name for sentences: `mlx5_core`, `netdevsim`, `nvme`, or `no driver`. */
export function driverText(device: Device): string {
  return device.driver ?? 'no driver'
}
