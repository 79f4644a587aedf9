import { QueryClient, queryOptions } from '@tanstack/react-query'

import type { DrillProgress, DrillReport, Finding, StepRecord } from '../../contract/drills'
import type { HostKeyPrompt } from '../../contract/hosts'
import type { OperationProgress } from '../../contract/operations'
import type { SnapshotDiff } from '../../contract/snapshot'

import { lab } from './lab'
import { call } from './unwrap'

/**
 * Every query key of the renderer, in one place (docs/style.md §3.3 rule 12). Components
 * use the `*Options` factories below and never write a key inline.
 */
export const keys = {
  hosts: () => ['hosts'] as const,
  snapshot: (hostId: string) => ['snapshot', hostId] as const,
  lastDiff: (hostId: string) => ['snapshot-diff', hostId] as const,
  hostKeyPrompts: () => ['host-key-prompts'] as const,
  opProgress: (hostId: string) => ['op-progress', hostId] as const,
  drillList: (hostId: string | null) => ['drills', 'list', hostId] as const,
  drillHistoryAll: () => ['drills', 'history'] as const,
  drillHistory: (hostId: string | null) => ['drills', 'history', hostId] as const,
  drillReport: (runId: string) => ['drills', 'report', runId] as const,
  drillRun: (runId: string) => ['drills', 'run', runId] as const,
  drillStep: (runId: string, index: number) => ['drills', 'step', runId, index] as const,
  audit: (hostId: string | null) => ['audit', hostId] as const,
  sessionLogs: (hostId: string) => ['session-logs', hostId] as const,
  sessionLog: (hostId: string, name: string, offset: number | null) =>
    ['session-logs', hostId, name, offset] as const,
  broadcasts: () => ['broadcasts'] as const,
  broadcast: (broadcastId: string) => ['broadcast', broadcastId] as const,
  broadcastDraft: () => ['broadcast-draft'] as const,
}

/** A diff as it arrived, with its arrival time in ms (`Date.now()`), for row highlighting. */
export interface ReceivedDiff {
  at: number
  diff: SnapshotDiff
}

/** A running (or finished) drill as the run view shows it, built from `drills:progress`. */
export interface LiveRun {
  runId: string
  iteration: number
  iterations: number
  status: DrillReport['status']
  steps: StepRecord[]
  findings: Finding[]
}

/** The QueryClient with replab's defaults: IPC is not the network, mutations never retry. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { networkMode: 'always', retry: 1, refetchOnWindowFocus: false, staleTime: 5_000 },
      mutations: { networkMode: 'always', retry: false },
    },
  })
}

/** Host inventory with live connection state (`hosts:list`, then `hosts:changed` events). */
export function hostsOptions() {
  return queryOptions({
    queryKey: keys.hosts(),
    queryFn: () => call(lab().hosts.list({})),
    staleTime: Infinity,
  })
}

/** The discovered host (`snapshot:get`); kept fresh by `snapshot:changed` events. */
export function snapshotOptions(hostId: string, enabled = true) {
  return queryOptions({
    queryKey: keys.snapshot(hostId),
    queryFn: () => call(lab().snapshot.get({ hostId, fresh: false })),
    staleTime: Infinity,
    enabled,
  })
}

/** The last diff received for a host (event-fed only; never fetched). */
export function lastDiffOptions(hostId: string) {
  return queryOptions({
    queryKey: keys.lastDiff(hostId),
    queryFn: (): ReceivedDiff | null => null,
    staleTime: Infinity,
  })
}

/** Pending host-key prompts (event-fed only). */
export function hostKeyPromptsOptions() {
  return queryOptions({
    queryKey: keys.hostKeyPrompts(),
    queryFn: (): HostKeyPrompt[] => [],
    staleTime: Infinity,
  })
}

/** Latest progress of the operation running on a host (event-fed only). */
export function opProgressOptions(hostId: string) {
  return queryOptions({
    queryKey: keys.opProgress(hostId),
    queryFn: (): OperationProgress | null => null,
    staleTime: Infinity,
  })
}

/** Drills available for a host (`drills:list`). */
export function drillListOptions(hostId: string | null) {
  return queryOptions({
    queryKey: keys.drillList(hostId),
    queryFn: () => call(lab().drills.list(hostId ? { hostId } : {})),
    staleTime: 60_000,
  })
}

/** Past runs from the journal (`drills:history`). */
export function drillHistoryOptions(hostId: string | null) {
  return queryOptions({
    queryKey: keys.drillHistory(hostId),
    queryFn: () => call(lab().drills.history(hostId ? { hostId } : {})),
  })
}

/** A finished run's report (`drills:report`). */
export function drillReportOptions(runId: string) {
  return queryOptions({
    queryKey: keys.drillReport(runId),
    queryFn: () => call(lab().drills.report({ runId })),
    staleTime: Infinity,
  })
}

/**
 * One step of a run with its commands, outputs, findings and snapshot diff (`drills:step`, the
 * journal the export reads). A finished step does not change; a running one is refetched.
 */
export function drillStepOptions(runId: string, index: number, finished: boolean) {
  return queryOptions({
    queryKey: keys.drillStep(runId, index),
    queryFn: () => call(lab().drills.step({ runId, index })),
    staleTime: finished ? Infinity : 0,
  })
}

/** The audit log, newest first (`audit:list`), refreshed every 5 s while shown. */
export function auditOptions(hostId: string | null) {
  return queryOptions({
    queryKey: keys.audit(hostId),
    queryFn: () => call(lab().audit.list(hostId ? { hostId, limit: 500 } : { limit: 500 })),
    refetchInterval: 5_000,
  })
}

/** Converts a report into the run view's shape. */
export function liveRunFromReport(runId: string, report: DrillReport): LiveRun {
  const iterations = report.params?.iterations ?? 1
  const last = report.steps.reduce((n, s) => Math.max(n, s.iteration ?? 1), 1)
  return {
    runId,
    iteration: last,
    iterations,
    status: report.status,
    steps: report.steps,
    findings: report.findings,
  }
}

/**
 * A run as the run view shows it: the report (`drills:report`, the journal the exports read),
 * fed between fetches by `drills:progress`. While the run is `running` the report is also polled
 * every 3 s; a poll never replaces a longer live step list with a shorter one. Once the run
 * leaves `running` the report is fetched again (cache-updates.ts), so the view ends on exactly
 * what the export holds.
 */
export function drillRunOptions(runId: string) {
  return queryOptions({
    queryKey: keys.drillRun(runId),
    queryFn: async ({ client }) => {
      const fetched = liveRunFromReport(runId, await call(lab().drills.report({ runId })))
      const live = client.getQueryData<LiveRun>(keys.drillRun(runId))
      if (live && fetched.status === 'running' && live.steps.length > fetched.steps.length) {
        return live
      }
      return fetched
    },
    staleTime: Infinity,
    refetchInterval: (query) => (query.state.data?.status === 'running' ? 3_000 : false),
  })
}

/**
 * Applies one progress event to a live run (pure; returns a new object). Each event carries the
 * findings of the step it reports (drill-context), so they are added to the run's, never put in
 * place of them; the closing event re-sends the last step with the final status and no findings.
 */
export function applyDrillProgress(run: LiveRun | undefined, p: DrillProgress): LiveRun {
  const base: LiveRun = run ?? {
    runId: p.runId,
    iteration: p.iteration,
    iterations: p.iterations,
    status: p.status,
    steps: [],
    findings: [],
  }
  const steps = [...base.steps]
  const same = (s: StepRecord) =>
    s.name === p.step.name && (s.iteration ?? 1) === (p.step.iteration ?? p.iteration)
  const at = steps.findLastIndex(same)
  const step = { ...p.step, iteration: p.step.iteration ?? p.iteration }
  // A step that ran again in the same iteration (same name) is a new step, unless the last one
  // was still running or this is the closing event re-sending it.
  const last = at >= 0 && at === steps.length - 1
  if (last && (p.status !== 'running' || steps[at]?.status === 'running')) steps[at] = step
  else steps.push(step)
  return {
    ...base,
    iteration: p.iteration,
    iterations: p.iterations,
    status: p.status,
    steps,
    findings: [...base.findings, ...p.findings],
  }
}
