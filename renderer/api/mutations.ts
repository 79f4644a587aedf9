import { useMutation, useQueryClient } from '@tanstack/react-query'

import type { DrillStartRequest } from '../../contract/drills'
import type { HostConfigInput } from '../../contract/hosts'
import type { OperationRequest } from '../../contract/operations'

import { dropHostKeyPrompt, onHostsChanged } from './cache-updates'
import { keys } from './keys'
import { lab } from './lab'
import { call } from './unwrap'

/**
 * Mutations: every call that changes something. None is ever retried (client default
 * `retry: false`); results land in the cache here, live updates come from events.
 */

/** Connects or disconnects a host; the HostView answer replaces its inventory entry. */
export function useConnectHost() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: ({ hostId, connect }: { hostId: string; connect: boolean }) =>
      call(connect ? lab().hosts.connect({ hostId }) : lab().hosts.disconnect({ hostId })),
    onSettled: () => qc.invalidateQueries({ queryKey: keys.hosts() }),
  })
}

/** Adds hosts (form or ssh_config import), one call per host. */
export function useAddHosts() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: async (configs: HostConfigInput[]) => {
      const added = []
      for (const c of configs) added.push(await call(lab().hosts.add(c)))
      return added
    },
    onSettled: () => qc.invalidateQueries({ queryKey: keys.hosts() }),
  })
}

/** Reads `~/.ssh/config` (or `path`) in main and returns the HostConfigs found. */
export function useImportSshConfig() {
  return useMutation({
    mutationFn: (path?: string) => call(lab().hosts.importSshConfig(path ? { path } : {})),
  })
}

/** Removes a host from the inventory. */
export function useRemoveHost() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (hostId: string) => call(lab().hosts.remove({ hostId })),
    onSettled: () => qc.invalidateQueries({ queryKey: keys.hosts() }),
  })
}

/** Sets or clears read-only mode for a host. */
export function useSetReadOnly() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (v: { hostId: string; readOnly: boolean }) => call(lab().hosts.setReadOnly(v)),
    onSuccess: (view) =>
      onHostsChanged(
        qc,
        (qc.getQueryData<(typeof view)[]>(keys.hosts()) ?? []).map((h) =>
          h.config.id === view.config.id ? view : h,
        ),
      ),
  })
}

/** Answers a host-key prompt (accept only exists for `unknown` keys). */
export function useAnswerHostKey() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (v: { promptId: string; accept: boolean }) => call(lab().hosts.answerHostKey(v)),
    onSettled: (_r, _e, v) => dropHostKeyPrompt(qc, v.promptId),
  })
}

/** Re-discovers a host (`snapshot:get` with `fresh: true`). */
export function useRefreshSnapshot() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (hostId: string) => call(lab().snapshot.get({ hostId, fresh: true })),
    onSuccess: (snap, hostId) => qc.setQueryData(keys.snapshot(hostId), snap),
  })
}

/** Dry run of an operation (`ops:plan`): commands, blast radius, confirmation sentence. */
export function usePlanOperation() {
  return useMutation({
    mutationFn: (v: { hostId: string; request: OperationRequest }) => call(lab().ops.plan(v)),
  })
}

/** Runs a confirmed operation (`ops:run`); the snapshot follows by event. */
export function useRunOperation() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (v: { hostId: string; request: OperationRequest }) =>
      call(lab().ops.run({ ...v, confirmed: true })),
    onSettled: (_r, _e, v) => qc.setQueryData(keys.opProgress(v.hostId), null),
  })
}

/** Cancels a running operation. */
export function useCancelOperation() {
  return useMutation({ mutationFn: (opId: string) => call(lab().ops.cancel({ opId })) })
}

/**
 * The plan of a drill (`drills:plan`): steps with exact commands, blast radius, VFs in use,
 * restore, estimate, what is wrong with the request and whether it would be refused.
 */
export function usePlanDrill() {
  return useMutation({ mutationFn: (req: DrillStartRequest) => call(lab().drills.plan(req)) })
}

/**
 * Starts a drill the user confirmed in the plan dialog (`confirmed: true`; `force` after the
 * typed confirmation for VFs in use); the run view follows `drills:progress`.
 */
export function useStartDrill() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (req: DrillStartRequest) => call(lab().drills.start({ ...req, confirmed: true })),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.drillHistoryAll() }),
  })
}

/** Cancels a running drill. */
export function useCancelDrill() {
  return useMutation({ mutationFn: (runId: string) => call(lab().drills.cancel({ runId })) })
}

/** Exports a report and hands it to the browser as a download. */
export function useExportReport() {
  return useMutation({
    mutationFn: async (v: { runId: string; format: 'json' | 'junit' | 'html' | 'repro' }) => {
      const file = await call(lab().drills.exportReport(v))
      const url = URL.createObjectURL(new Blob([file.content], { type: file.mime }))
      const a = document.createElement('a')
      a.href = url
      a.download = file.fileName
      a.click()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
      return file
    },
  })
}
