import type { DrillInfo, DrillParams, HostSnapshot } from '../../../contract'
import type { DrillContext } from '../drill-context'
import { findDevice } from '../snapshot-query'

/** One drill: its description and one iteration of its procedure. */
export interface DrillDefinition {
  readonly info: DrillInfo
  /** Parameter defaults of this drill where they differ from `DrillParams`' (e.g. race iterations). */
  readonly defaults?: Partial<DrillParams>
  /** Runs one iteration; failed steps throw `StepFailure` (the runner records and continues). */
  iterate(ctx: DrillContext): Promise<void>
}

/**
 * Why a drill cannot run on `device` of this host: missing device, no E-Switch, no SR-IOV, or
 * fault injection needed but absent. Empty when it can run.
 */
export function drillBlockers(
  info: DrillInfo,
  snapshot: HostSnapshot,
  device: string,
  faultSupported: boolean,
): string[] {
  const d = findDevice(snapshot, device)
  const out: string[] = []
  if (!d) out.push(`device ${device} is not present on ${snapshot.host.name}`)
  else {
    if (!d.eswitch) out.push(`${device} has no E-Switch`)
    if (!d.pci || d.pci.totalvfs === 0) out.push(`${device} has no SR-IOV VFs`)
  }
  if (info.needsFaultInjection && !faultSupported) {
    out.push(
      `${info.kind} needs fault injection, which ${snapshot.host.name} does not offer (labsim only)`,
    )
  }
  return out
}
