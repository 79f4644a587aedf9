import type { DrillInfo, DrillReport, StepRecord } from '../../../contract/drills'

import { emit, stats } from './fake-bus'

/** Drill runs and terminal streams of the fake lab (test harness only). */
/** The fake drill's pace (behaviour: each step takes 60 ms, as a real step takes time). */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
export const runs = new Map<string, DrillReport & { hostId: string }>()
export const cancelled = new Set<string>()
export async function drive(runId: string, hostId: string, info: DrillInfo, iterations: number) {
  const r = runs.get(runId)!
  const steps = ['set switchdev', 'set VFs', 'wait reps', 'check IB reps']
  for (let it = 1; it <= iterations && !cancelled.has(runId); it++) {
    for (const name of steps) {
      const durationMs = 20 + ((it * 37 + name.length * 13) % 60)
      const step: StepRecord = { name, status: 'passed', durationMs, iteration: it }
      if (it === 2 && name === 'check IB reps' && info.kind === 'late-ib-reps') {
        step.status = 'failed'
        r.findings.push({
          severity: 'error',
          invariant: 'ib-reps-loaded',
          message: 'no IB representor for pf0vf1 after modprobe mlx5_ib',
          step: name,
          iteration: it,
          evidence: 'rdma link show: (no link for enp8s0f0npf0vf1)',
        })
      }
      r.steps.push(step)
      emit('drillProgress', {
        runId,
        hostId,
        iteration: it,
        iterations,
        step,
        findings: structuredClone(r.findings),
        status: 'running',
      })
      await sleep(60)
    }
  }
  r.status = cancelled.has(runId) ? 'aborted' : r.findings.length ? 'failed' : 'passed'
  r.finishedAt = new Date().toISOString()
  const last = r.steps.at(-1)!
  emit('drillProgress', {
    runId,
    hostId,
    iteration: last.iteration ?? 1,
    iterations,
    step: last,
    findings: r.findings,
    status: r.status,
  })
}

export const streams = new Map<
  string,
  { timer: ReturnType<typeof setInterval> | null; kind: string }
>()
let seq = 0
export const enc = new TextEncoder()
export function openStream(hostId: string, kind: string) {
  const streamId = `s-${kind}-${++seq}`
  let n = 0
  let cSeq = 0
  const timer =
    kind === 'shell'
      ? null
      : setInterval(() => {
          const line =
            kind === 'trace'
              ? `mlx5_fw: [${(performance.now() / 1000).toFixed(6)}] ${hostId} pci/0000:08:00.0 fw_tracer: event ${n++} eswitch vport ${n % 8} state change\n`
              : `[${(performance.now() / 1000).toFixed(6)}] mlx5_core 0000:08:00.0: ${kind} line ${n++}\n`
          const data = enc.encode(line)
          stats.sent += data.length
          emit('terminalData', { streamId, seq: cSeq++, data })
        }, 200)
  streams.set(streamId, { timer, kind })
  // The shell's prompt arrives 50 ms after the pane opens, as over SSH (behaviour).
  if (kind === 'shell')
    setTimeout(
      () => emit('terminalData', { streamId, seq: cSeq++, data: enc.encode(`root@${hostId}:~# `) }),
      50,
    )
  return streamId
}
