import type { DrillProgress, DrillStartRequest } from '../../contract'
import type { DrillStepEvent } from './engine-bridge'

/**
 * The marker lines a drill writes into its host's terminal panes (and their logs): one when it
 * starts, one per finished step, and one `drill finished: <status>` when it ends — each once.
 *
 * The engine's closing progress event (drill-runner.ts `closeRun`) carries the run's final
 * status together with the last step again, so the view can settle; writing a step marker for
 * it wrote the last step twice. Here a progress event with a final status is the finished
 * marker only, and the handle settling writes it only when no closing event came (a run that
 * rejected).
 */
export interface DrillMarkers {
  /** The events of the steps finished so far. */
  steps(): number
  /** The `started` marker, when no step has finished yet (the handle came back first). */
  started(runId: string): DrillStepEvent | null
  /** The marker of one progress event: a finished step, or the finished drill. */
  progress(p: DrillProgress): DrillStepEvent
  /** The handle settled: ends the drill's step links; `finished: error` when nothing said so. */
  settled(runId: string): DrillStepEvent
}

/** Markers of one drill run (see `DrillMarkers`). */
export function drillMarkers(request: DrillStartRequest): DrillMarkers {
  let done = 0
  let findings = 0
  let finished = false
  const device = request.device
  const end = (runId: string, status: string): DrillStepEvent => {
    finished = true
    const steps = `${done} step${done === 1 ? '' : 's'}, ${findings} finding${findings === 1 ? '' : 's'}`
    return {
      runId,
      device,
      text: `drill finished: ${status} (${request.kind} ${runId} on ${device}: ${steps})`,
      finished: null,
      running: null,
    }
  }
  return {
    steps: () => done,
    started: (runId) =>
      done > 0 || finished
        ? null
        : {
            runId,
            device,
            text: `drill ${request.kind} ${runId} started on ${device}`,
            finished: null,
            running: { runId, step: 0 },
          },
    progress(p) {
      if (p.status !== 'running') return end(p.runId, p.status)
      findings += p.findings.length
      const ref = { runId: p.runId, step: done++ }
      return {
        runId: p.runId,
        device,
        text: `drill ${request.kind} ${p.runId} · iteration ${p.iteration} · ${p.step.name}: ${p.step.status} (${Math.round(p.step.durationMs)} ms)`,
        finished: ref,
        running: { runId: p.runId, step: done },
      }
    },
    settled: (runId) =>
      finished ? { runId, device, text: null, finished: null, running: null } : end(runId, 'error'),
  }
}
