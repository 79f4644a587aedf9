import { createContext, useContext, useState, type ReactNode } from 'react'

import type { OperationRequest } from '../../../contract/operations'

import { OperationDialog } from './operation-dialog'

/** What a control asks for: run `request` on `hostId`; `title` names it in the dialog. */
export interface OperationAsk {
  hostId: string
  request: OperationRequest
  title: string
}

const Ctx = createContext<(ask: OperationAsk) => void>(() => {})

/**
 * Hosts the one operation dialog (plan → confirm → run → result). Controls call
 * `useOperation()(ask)`; only one operation dialog is open at a time.
 */
export function OperationProvider({ children }: { children: ReactNode }) {
  const [ask, setAsk] = useState<OperationAsk | null>(null)
  return (
    <Ctx.Provider value={setAsk}>
      {children}
      {ask && <OperationDialog key={JSON.stringify(ask)} ask={ask} onClose={() => setAsk(null)} />}
    </Ctx.Provider>
  )
}

/** Returns the function that opens the operation dialog for a request. */
export function useOperation(): (ask: OperationAsk) => void {
  return useContext(Ctx)
}

/** Per-host facts controls need: whether they may act at all, and why not. */
export interface HostGate {
  hostId: string
  readOnly: boolean
  connected: boolean
}

const GateCtx = createContext<HostGate>({ hostId: '', readOnly: true, connected: false })

/** Provides the gate of the host being shown. */
export function HostGateProvider({ gate, children }: { gate: HostGate; children: ReactNode }) {
  return <GateCtx.Provider value={gate}>{children}</GateCtx.Provider>
}

/**
 * The current host's gate: `blocked` is why mutating controls are disabled, `readBlocked` why
 * read-only actions (diagnose, dump, crdump) are, or null. Read-only mode blocks only the first.
 */
export function useHostGate(): HostGate & { blocked: string | null; readBlocked: string | null } {
  const g = useContext(GateCtx)
  const readBlocked = g.connected ? null : 'Host is not connected'
  const blocked = g.readOnly ? 'Host is read-only' : readBlocked
  return { ...g, blocked, readBlocked }
}
