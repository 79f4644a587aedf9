import { copyFile } from 'node:fs/promises'
import { join } from 'node:path'

import type { DrillReport, OperationRequest, OperationResult } from '../../contract'
import { createBackend, type Backend } from '../../main/service/backend'
import type { LabVm } from './netdevsim-vm'
import { poll } from './poll'

/**
 * The console's own back end (what Electron and browser mode serve) on the real-kernel VM: the
 * host is added and connected through the same calls the renderer makes, with the VM's host key
 * pinned in the console's known_hosts.
 */
export interface VmConsole {
  readonly backend: Backend
  readonly hostId: string
  /** One contract call; rejects with the error's code and message when it answers an error. */
  call<T>(channel: string, payload: unknown): Promise<T>
  op(request: OperationRequest): Promise<OperationResult>
  /** Starts a drill and resolves with its report once it is no longer running. */
  drill(kind: string, device: string, params?: Record<string, unknown>): Promise<DrillReport>
  close(): Promise<void>
}

const CTX = { sessionId: 'realkernel', signal: new AbortController().signal }

/** Starts a back end in `dataDir` and connects it to the VM as host `vm`. */
export async function consoleOnVm(vm: LabVm, dataDir: string): Promise<VmConsole> {
  await copyFile(vm.knownHosts, join(dataDir, 'known_hosts'))
  const backend = await createBackend({ dataDir, consoleUser: 'realkernel' })
  const call = async <T>(channel: string, payload: unknown): Promise<T> => {
    const r = await backend.dispatcher.dispatch(channel, payload, CTX)
    if (!r.ok) throw new Error(`${channel}: ${r.error.code}: ${r.error.message}`)
    return r.value as T
  }
  const hostId = 'vm'
  await call('hosts:add', {
    id: hostId,
    name: 'netdevsim-lab',
    host: '127.0.0.1',
    port: vm.port,
    user: 'root',
    identityFile: vm.identityFile,
  })
  await call('hosts:connect', { hostId })
  return {
    backend,
    hostId,
    call,
    op: (request) => call('ops:run', { hostId, request, confirmed: true }),
    async drill(kind, device, params = {}) {
      const { runId } = await call<{ runId: string }>('drills:start', {
        hostId,
        kind,
        device,
        params,
        confirmed: true,
      })
      return poll(
        async () => {
          const r = await call<DrillReport>('drills:report', { runId })
          return r.status === 'running' ? undefined : r
        },
        { timeoutMs: 170_000, what: `drill ${kind} on ${device} to finish` },
      )
    },
    close: () => backend.close(),
  }
}
