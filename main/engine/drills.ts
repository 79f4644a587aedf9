import type { DrillInfo, DrillKind, DrillParams } from '../../contract'
import type { DrillDefinition } from './drills/drill'
import { fatalRecovery } from './drills/fatal-recovery'
import { lateIbReps } from './drills/late-ib-reps'
import { modeRace } from './drills/mode-race'
import { pfRebind } from './drills/pf-rebind'
import { reloadUnwind } from './drills/reload-unwind'
import { vfChurn } from './drills/vf-churn'
import { vfResetIsolation } from './drills/vf-reset-isolation'

/** The seven drills of docs/design.md §Lifecycle engine, keyed by kind (docs/domain.md §4). */
export const DRILLS: Readonly<Record<DrillKind, DrillDefinition>> = {
  'late-ib-reps': lateIbReps,
  'pf-rebind': pfRebind,
  'vf-reset-isolation': vfResetIsolation,
  'mode-race': modeRace,
  'vf-churn': vfChurn,
  'fatal-recovery': fatalRecovery,
  'reload-unwind': reloadUnwind,
}

/**
 * Every drill's description. With `faultSupported === false` (host without labsim fault
 * injection) the drills that need it are left out; undefined lists all.
 */
export function listDrills(faultSupported?: boolean): DrillInfo[] {
  return Object.values(DRILLS)
    .map((d) => d.info)
    .filter((i) => faultSupported !== false || !i.needsFaultInjection)
}

/**
 * A drill's own parameter defaults (front doors apply them where the user gave no value, before
 * `DrillParams` fills the rest): `mode-race` runs 10 iterations by default.
 */
export function drillDefaults(kind: DrillKind): Partial<DrillParams> {
  return DRILLS[kind].defaults ?? {}
}
