import type { DrillKind, DrillProgress, DrillReport } from '../../contract'
import type { LabConsole, LabRig } from './lab-engine'

/** The PF of labsim's first card: the device the drill and fault tests run on and compare. */
export const FAULT_DEVICE = 'pci/0000:08:00.0'

/** What a drill must leave as it found it: E-Switch mode, VF count, driver binding, mlx5_ib. */
export interface PfState {
  readonly mode: string
  readonly numVfs: number
  readonly bound: boolean
  readonly mlx5Ib: boolean
}

/** Reads {@link FAULT_DEVICE}'s state straight from labsim's model (not through replab). */
export function pfState(rig: LabRig, host = 'sim-a'): PfState {
  const s = rig.lab.host(host).state()
  const pf = s.pfs.find((p) => `pci/${p.bdf}` === FAULT_DEVICE)
  if (!pf) throw new Error(`labsim has no PF ${FAULT_DEVICE}`)
  return {
    mode: pf.mode,
    numVfs: pf.numVfs,
    bound: pf.bound,
    mlx5Ib: s.modules.includes('mlx5_ib'),
  }
}

/**
 * Runs a short drill (1 iteration, 1 VF, 8 s step timeout) and calls `fault` once, at the first
 * progress event whose step name matches `at`. Resolves with the report and whether the fault
 * fired; rejects only if the engine itself throws.
 */
export async function drillWithFault(
  c: LabConsole,
  kind: DrillKind,
  at: RegExp,
  fault: (p: DrillProgress) => void,
  params: Record<string, unknown> = {},
): Promise<{ report: DrillReport; fired: boolean }> {
  let fired = false
  const report = await c.engine.runDrill(
    {
      hostId: 'sim-a',
      kind,
      device: FAULT_DEVICE,
      params: { iterations: 1, timeoutMs: 8_000, vfs: 1, stopOnFailure: true, ...params },
    },
    (p) => {
      if (fired || !at.test(p.step.name)) return
      fired = true
      fault(p)
    },
  )
  return { report, fired }
}

/** Everything a report says, flattened for regex checks (findings, step names and statuses). */
export function reportText(report: DrillReport): string {
  return [
    report.status,
    ...report.findings.map((f) => `${f.severity} ${f.invariant} ${f.message} ${f.evidence ?? ''}`),
    ...report.steps.map((s) => `${s.name}:${s.status}`),
    ...(report.restored ?? []),
  ].join('\n')
}
