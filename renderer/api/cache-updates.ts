import type { QueryClient } from '@tanstack/react-query'

import type { DrillProgress } from '../../contract/drills'
import type { HostKeyPrompt, HostView } from '../../contract/hosts'
import type { OperationProgress } from '../../contract/operations'
import type { HostSnapshot, SnapshotDiff } from '../../contract/snapshot'

import { applyDrillProgress, keys, type LiveRun, type ReceivedDiff } from './keys'

/**
 * Push events → TanStack Query cache. Pure functions of (client, payload) so they are unit
 * tested without React; `useLabEvents()` wires them to `LabApi.events`.
 */

/** `hosts:changed`: replaces the inventory. */
export function onHostsChanged(qc: QueryClient, hosts: HostView[]): void {
  qc.setQueryData(keys.hosts(), hosts)
}

/** `snapshot:changed`: replaces the snapshot and records the diff with its arrival time (ms). */
export function onSnapshotChanged(
  qc: QueryClient,
  payload: { hostId: string; snapshot: HostSnapshot; diff: SnapshotDiff | null },
  now: number = Date.now(),
): void {
  qc.setQueryData(keys.snapshot(payload.hostId), payload.snapshot)
  if (payload.diff && payload.diff.changes.length > 0) {
    const received: ReceivedDiff = { at: now, diff: payload.diff }
    qc.setQueryData(keys.lastDiff(payload.hostId), received)
  }
}

/** `hosts:host-key-prompt`: queues the prompt (deduplicated by `promptId`). */
export function onHostKeyPrompt(qc: QueryClient, prompt: HostKeyPrompt): void {
  qc.setQueryData<HostKeyPrompt[]>(keys.hostKeyPrompts(), (old = []) =>
    old.some((p) => p.promptId === prompt.promptId) ? old : [...old, prompt],
  )
}

/** Removes an answered prompt. */
export function dropHostKeyPrompt(qc: QueryClient, promptId: string): void {
  qc.setQueryData<HostKeyPrompt[]>(keys.hostKeyPrompts(), (old = []) =>
    old.filter((p) => p.promptId !== promptId),
  )
}

/** `ops:progress`: the latest phase of the host's running operation. */
export function onOpProgress(qc: QueryClient, progress: OperationProgress): void {
  qc.setQueryData(keys.opProgress(progress.hostId), progress)
}

/**
 * `drills:progress`: adds the step (and its findings) to the live run; when the run leaves
 * `running`, the run view, the history and the report refetch from the journal, so the view
 * ends on the same data as the export (issue 21: it showed 2 findings where the export had 3,
 * because each event's findings replaced the run's).
 */
export function onDrillProgress(qc: QueryClient, progress: DrillProgress): void {
  qc.setQueryData<LiveRun>(keys.drillRun(progress.runId), (old) =>
    applyDrillProgress(old, progress),
  )
  if (progress.status !== 'running') {
    void qc.invalidateQueries({ queryKey: keys.drillRun(progress.runId) })
    void qc.invalidateQueries({ queryKey: keys.drillHistoryAll() })
    void qc.invalidateQueries({ queryKey: keys.drillReport(progress.runId) })
  }
}
