import { calls, events, type CallDef, type EventDef, type LabApi } from '../../contract/api'
import type { IpcResult } from '../../contract/errors'

/** Sends one call on a channel and resolves with its result envelope (never rejects). */
export type Invoke = (channel: string, request: unknown) => Promise<IpcResult<unknown>>

/** Subscribes a listener to an event channel; returns the unsubscribe. */
export type Subscribe = (channel: string, listener: (payload: unknown) => void) => () => void

/**
 * Builds a `LabApi` mechanically from contract/api.ts: `api.<domain>.<verb>(req)` invokes the
 * call's channel, `api.events.<name>(listener)` subscribes to the event's channel. Nothing is
 * written by hand per call, so the client cannot drift from the contract.
 */
export function buildLabApi(invoke: Invoke, subscribe: Subscribe): LabApi {
  const api: Record<string, unknown> = {}
  for (const [domain, verbs] of Object.entries(calls)) {
    const group: Record<string, unknown> = {}
    for (const [verb, def] of Object.entries(verbs) as [string, CallDef][]) {
      group[verb] = (request: unknown) => invoke(def.channel, request)
    }
    api[domain] = group
  }
  const eventGroup: Record<string, unknown> = {}
  for (const [name, def] of Object.entries(events) as [string, EventDef][]) {
    eventGroup[name] = (listener: (payload: unknown) => void) => subscribe(def.channel, listener)
  }
  api.events = eventGroup
  return api as LabApi
}
