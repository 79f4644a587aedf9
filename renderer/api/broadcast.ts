import { queryOptions, type QueryClient } from '@tanstack/react-query'

import type { BroadcastHostResult } from '../../contract/broadcast'

import { keys } from './keys'
import { lab } from './lab'
import { call } from './unwrap'

/** A broadcast this page started: what was sent where (results: `broadcastResultsOptions`). */
export interface BroadcastRun {
  broadcastId: string
  command: string
  hostIds: string[]
  timeoutMs: number
  /** `Date.now()` when it was sent. */
  at: number
}

/** What the Broadcast tab's form holds between visits. */
export interface BroadcastDraft {
  command: string
  hostIds: string[]
  timeoutS: number
}

/** Broadcasts of this page, newest first (cache only, never fetched). */
export function broadcastsOptions() {
  return queryOptions({
    queryKey: keys.broadcasts(),
    queryFn: (): BroadcastRun[] => [],
    staleTime: Infinity,
  })
}

/** Per-host results of one broadcast, fed by `broadcast:host` events (never fetched). */
export function broadcastResultsOptions(broadcastId: string) {
  return queryOptions({
    queryKey: keys.broadcast(broadcastId),
    queryFn: (): Record<string, BroadcastHostResult> => ({}),
    staleTime: Infinity,
  })
}

/** An empty form: no command, no host, 30 s per host (the draft lives under `keys.broadcastDraft()`). */
export const EMPTY_DRAFT: BroadcastDraft = { command: '', hostIds: [], timeoutS: 30 }

/** `broadcast:host`: records a host's state (running, then its result). */
export function onBroadcastHost(qc: QueryClient, result: BroadcastHostResult): void {
  qc.setQueryData<Record<string, BroadcastHostResult>>(
    keys.broadcast(result.broadcastId),
    (old = {}) => ({ ...old, [result.hostId]: result }),
  )
  if (result.status === 'running') return
  // The host's run was just audited.
  void qc.invalidateQueries({ queryKey: keys.audit(result.hostId) })
  void qc.invalidateQueries({ queryKey: keys.audit(null) })
}

/** Sends a confirmed broadcast and records it as the newest run. Throws `LabError`. */
export async function startBroadcast(
  qc: QueryClient,
  request: { hostIds: string[]; command: string; timeoutMs: number },
): Promise<BroadcastRun> {
  const { broadcastId } = await call(lab().broadcast.start({ ...request, confirmed: true }))
  const run: BroadcastRun = { broadcastId, ...request, at: Date.now() }
  qc.setQueryData<BroadcastRun[]>(keys.broadcasts(), (old = []) => [run, ...old].slice(0, 20))
  return run
}

/** Cancels one host's run of a broadcast, or all of it. Throws `LabError`. */
export async function cancelBroadcast(broadcastId: string, hostId?: string): Promise<void> {
  await call(lab().broadcast.cancel({ broadcastId, ...(hostId ? { hostId } : {}) }))
}
