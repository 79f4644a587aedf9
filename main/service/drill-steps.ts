import type { DrillStepRef } from './terminal-highlight'

/**
 * The drill steps running on each host, for the links of highlighted terminal lines
 * (terminal-highlight.ts). Two drills can run at once on different devices of one host; a line
 * goes to the drill whose device it names, by PCI address, as mlx5 prints it in both logs:
 * `mlx5_core 0000:08:00.0: E-Switch: …` in dmesg (dev_printk) and `mlx5_fw: 0000:08:00.0 …` in
 * trace_pipe (diag/fw_tracer_tracepoint.h TP_printk; docs/domain.md §3.1). A line naming
 * no running drill's device goes to the drill whose step started last.
 */
export class DrillSteps {
  /** host → runId → { step, BDF of the drill's device (null: not a PCI devlink handle) }. */
  private readonly running = new Map<string, Map<string, Running>>()

  /**
   * Records the step now running of drill `runId` on `device` (devlink handle, e.g.
   * `pci/0000:08:00.0`); `null` ends that drill. Steps of one drill replace each other.
   */
  set(hostId: string, runId: string, step: DrillStepRef | null, device?: string): void {
    const drills = this.running.get(hostId) ?? new Map<string, Running>()
    drills.delete(runId) // re-inserted last: Map order is start order of the current steps
    if (step) drills.set(runId, { step, bdf: bdfOf(device) })
    if (drills.size > 0) this.running.set(hostId, drills)
    else this.running.delete(hostId)
  }

  /** The step a `line` of `hostId`'s output belongs to, or null when no drill runs there. */
  stepFor(hostId: string, line: string): DrillStepRef | null {
    const drills = [...(this.running.get(hostId)?.values() ?? [])]
    if (drills.length === 0) return null
    if (drills.length > 1) {
      for (const m of line.matchAll(BDF_IN_LINE)) {
        const bdf = m[0].toLowerCase()
        const hit = drills.find((d) => d.bdf === bdf)
        if (hit) return hit.step
      }
    }
    return drills[drills.length - 1]!.step
  }
}

interface Running {
  readonly step: DrillStepRef
  readonly bdf: string | null
}

/** A PCI address `dddd:bb:dd.f` as the kernel prints it (lower-case hex). */
const BDF_IN_LINE = /\b[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]\b/g

/** The BDF of a `pci/<BDF>` devlink handle; null for other buses (e.g. `auxiliary/…` SFs). */
function bdfOf(device: string | undefined): string | null {
  const m = /^pci\/([0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])$/.exec(device ?? '')
  return m ? m[1]!.toLowerCase() : null
}
