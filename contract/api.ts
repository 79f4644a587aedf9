import { z } from 'zod'

import { DrillPlan } from './drill-plan'
import {
  DrillInfo,
  DrillProgress,
  DrillReport,
  DrillRunSummary,
  DrillStartRequest,
  StepDetail,
} from './drills'
import type { IpcResult } from './errors'
import { AuditEntry } from './audit'
import { hostAdminCalls } from './host-admin'
import { BroadcastHostResult, BroadcastRequest, BroadcastStarted } from './broadcast'
import { HostConfig, HostId, HostKeyPrompt, HostView } from './hosts'
import { OperationPlan, OperationProgress, OperationRequest, OperationResult } from './operations'
import { SessionLogChunk, SessionLogFile, SessionLogReadRequest } from './session-logs'
import { HostSnapshot, SnapshotDiff } from './snapshot'
import { TerminalData, TerminalOpenRequest, TerminalOpened, TerminalStatus } from './terminals'

/**
 * The one API between the renderer and the back end. Each call is declared once with its
 * channel name (`<domain>:<verb>`), request and response schemas; both front doors (Electron
 * IPC and the loopback WebSocket) serve exactly these, and both validate requests with them.
 */

/** A request/response call. `mutating` calls are refused on read-only hosts and audited. */
export interface CallDef<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly channel: string
  readonly request: Req
  readonly response: Res
  readonly mutating: boolean
}

/** A pushed event. */
export interface EventDef<P extends z.ZodType = z.ZodType> {
  readonly channel: string
  readonly payload: P
}

function call<Req extends z.ZodType, Res extends z.ZodType>(
  channel: string,
  request: Req,
  response: Res,
  mutating = false,
): CallDef<Req, Res> {
  return { channel, request, response, mutating }
}

function event<P extends z.ZodType>(channel: string, payload: P): EventDef<P> {
  return { channel, payload }
}

const ByHost = z.object({ hostId: HostId })
const Empty = z.object({})
const Ok = z.object({ ok: z.literal(true) })

/** Every call, grouped by domain. The preload and the WebSocket client are built from this. */
export const calls = {
  hosts: {
    list: call('hosts:list', Empty, z.array(HostView)),
    add: call('hosts:add', HostConfig, HostView),
    remove: call('hosts:remove', ByHost, Ok),
    setReadOnly: call(
      'hosts:set-read-only',
      z.object({ hostId: HostId, readOnly: z.boolean() }),
      HostView,
    ),
    connect: call('hosts:connect', ByHost, HostView),
    disconnect: call('hosts:disconnect', ByHost, HostView),
    importSshConfig: call(
      'hosts:import-ssh-config',
      z.object({ path: z.string().max(4096).optional() }),
      z.array(HostConfig),
    ),
    answerHostKey: call(
      'hosts:answer-host-key',
      z.object({ promptId: z.string().max(64), accept: z.boolean() }),
      Ok,
    ),
    ...hostAdminCalls,
  },
  snapshot: {
    get: call(
      'snapshot:get',
      z.object({ hostId: HostId, fresh: z.boolean().default(false) }),
      HostSnapshot,
    ),
  },
  ops: {
    plan: call('ops:plan', z.object({ hostId: HostId, request: OperationRequest }), OperationPlan),
    run: call(
      'ops:run',
      z.object({ hostId: HostId, request: OperationRequest, confirmed: z.literal(true) }),
      OperationResult,
      true,
    ),
    cancel: call('ops:cancel', z.object({ opId: z.string().max(64) }), Ok),
  },
  drills: {
    list: call('drills:list', z.object({ hostId: HostId.optional() }), z.array(DrillInfo)),
    /** The dry run of a drill: steps with exact commands, blast radius, VFs in use, restore. */
    plan: call('drills:plan', DrillStartRequest, DrillPlan),
    /** Starts a drill the user confirmed (the plan dialog); the engine validates it first. */
    start: call(
      'drills:start',
      DrillStartRequest.extend({ confirmed: z.literal(true) }),
      z.object({ runId: z.string() }),
      true,
    ),
    cancel: call('drills:cancel', z.object({ runId: z.string().max(64) }), Ok),
    history: call(
      'drills:history',
      z.object({ hostId: HostId.optional() }),
      z.array(DrillRunSummary),
    ),
    report: call('drills:report', z.object({ runId: z.string().max(64) }), DrillReport),
    /** One journaled step with its commands, outputs, findings and snapshot diff. */
    step: call(
      'drills:step',
      z.object({ runId: z.string().max(64), index: z.number().int().min(0) }),
      StepDetail,
    ),
    exportReport: call(
      'drills:export-report',
      z.object({ runId: z.string().max(64), format: z.enum(['json', 'junit', 'html', 'repro']) }),
      z.object({ fileName: z.string(), mime: z.string(), content: z.string() }),
    ),
  },
  audit: {
    list: call(
      'audit:list',
      z.object({
        hostId: HostId.optional(),
        limit: z.number().int().min(1).max(10_000).default(500),
      }),
      z.array(AuditEntry),
    ),
  },
  terminals: {
    open: call('terminals:open', TerminalOpenRequest, TerminalOpened),
    input: call(
      'terminals:input',
      z.object({ streamId: z.string().max(64), data: z.string().max(65536) }),
      Ok,
    ),
    interrupt: call('terminals:interrupt', z.object({ streamId: z.string().max(64) }), Ok),
    resize: call(
      'terminals:resize',
      z.object({
        streamId: z.string().max(64),
        cols: z.number().int().min(2).max(1000),
        rows: z.number().int().min(2).max(500),
      }),
      Ok,
    ),
    ack: call(
      'terminals:ack',
      z.object({
        streamId: z.string().max(64),
        bytes: z.number().int().min(0),
        lines: z.number().int().min(0).optional(),
      }),
      Ok,
    ),
    close: call('terminals:close', z.object({ streamId: z.string().max(64) }), Ok),
  },
  /** Past terminal session logs of a host (session-logs.ts), read-only. */
  logs: {
    list: call('logs:list', ByHost, z.array(SessionLogFile)),
    read: call('logs:read', SessionLogReadRequest, SessionLogChunk),
  },
  /** One command on a set of hosts (broadcast.ts); results come as `broadcast:host` events. */
  broadcast: {
    start: call('broadcast:start', BroadcastRequest, BroadcastStarted, true),
    cancel: call(
      'broadcast:cancel',
      z.object({ broadcastId: z.string().max(64), hostId: HostId.optional() }),
      Ok,
    ),
  },
} as const

/** Every pushed event. */
export const events = {
  hostsChanged: event('hosts:changed', z.array(HostView)),
  hostKeyPrompt: event('hosts:host-key-prompt', HostKeyPrompt),
  snapshotChanged: event(
    'snapshot:changed',
    z.object({ hostId: z.string(), snapshot: HostSnapshot, diff: SnapshotDiff.nullable() }),
  ),
  opProgress: event('ops:progress', OperationProgress),
  drillProgress: event('drills:progress', DrillProgress),
  terminalData: event('terminals:data', TerminalData),
  terminalStatus: event('terminals:status', TerminalStatus),
  /** Sent only to the session that started the broadcast. */
  broadcastHost: event('broadcast:host', BroadcastHostResult),
} as const

export type Calls = typeof calls
export type Events = typeof events

/** The typed function a front door exposes for one call. */
export type CallFn<D> =
  D extends CallDef<infer Req, infer Res>
    ? (request: z.input<Req>) => Promise<IpcResult<z.output<Res>>>
    : never

/** `onX(listener)` returning an unsubscribe function. */
export type EventFn<D> =
  D extends EventDef<infer P> ? (listener: (payload: z.output<P>) => void) => () => void : never

/**
 * What `window.lab` (Electron preload) and the WebSocket client both implement: calls grouped
 * by domain, and `events.<name>(listener)` subscriptions.
 */
export type LabApi = {
  [D in keyof Calls]: { [V in keyof Calls[D]]: CallFn<Calls[D][V]> }
} & {
  events: { [E in keyof Events]: EventFn<Events[E]> }
}

/** All call definitions flattened, keyed by channel. */
export function callsByChannel(): Map<string, CallDef> {
  const out = new Map<string, CallDef>()
  for (const domain of Object.values(calls)) {
    for (const def of Object.values(domain) as CallDef[]) out.set(def.channel, def)
  }
  return out
}

/** All event definitions keyed by channel. */
export function eventsByChannel(): Map<string, EventDef> {
  return new Map((Object.values(events) as EventDef[]).map((e) => [e.channel, e]))
}
