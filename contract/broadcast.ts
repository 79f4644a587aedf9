import { z } from 'zod'

import { LabErrorData } from './errors'
import { HostId } from './hosts'

/**
 * Broadcast (issue 18): one command, typed once, run on an explicit set of hosts, each result
 * reported as its host finishes. MobaXterm's multi-exec done safely: no keystroke mirroring,
 * the request names every host and carries `confirmed: true` (the UI shows the set and the
 * exact command first), each host has its own timeout, and a run can be cancelled per host.
 * The command is arbitrary, so every host's run is audited as a mutation and read-only hosts
 * refuse the whole request.
 */

/** Limits of one broadcast. Sizes in bytes, times in ms. */
export const BROADCAST = {
  maxHosts: 64,
  maxCommandChars: 4096,
  /** Bytes of stdout, and of stderr, kept per host; the rest is counted, not kept. */
  keepBytes: 64 * 1024,
  defaultTimeoutMs: 30_000,
  minTimeoutMs: 1_000,
  maxTimeoutMs: 3_600_000,
} as const

export const BroadcastRequest = z.object({
  hostIds: z
    .array(HostId)
    .min(1)
    .max(BROADCAST.maxHosts)
    .refine((ids) => new Set(ids).size === ids.length, 'each host at most once'),
  /** Run by the host's login shell as an SSH exec; newlines allowed, NUL is not. */
  command: z
    .string()
    .max(BROADCAST.maxCommandChars)
    .regex(/^[^\0]*$/, 'NUL in command')
    .refine((c) => c.trim().length > 0, 'empty command'),
  /** Per host, from the call to its result, connecting included. */
  timeoutMs: z
    .number()
    .int()
    .min(BROADCAST.minTimeoutMs)
    .max(BROADCAST.maxTimeoutMs)
    .default(BROADCAST.defaultTimeoutMs),
  /** The user saw the set and the command and confirmed them. */
  confirmed: z.literal(true),
})
export type BroadcastRequest = z.infer<typeof BroadcastRequest>

export const BroadcastStarted = z.object({ broadcastId: z.string(), hostIds: z.array(HostId) })
export type BroadcastStarted = z.infer<typeof BroadcastStarted>

/**
 * A host's state in a broadcast: `ok` exit 0, `failed` a non-zero exit or a signal,
 * `timed-out` (the remote command was killed), `cancelled` (idem), `error` it never ran to an
 * exit (connect refused, connection lost; `error` says which).
 */
export const BroadcastStatus = z.enum([
  'running',
  'ok',
  'failed',
  'timed-out',
  'cancelled',
  'error',
])
export type BroadcastStatus = z.infer<typeof BroadcastStatus>

/** One host's result (the `broadcast:host` event): once `running`, then once final. */
export const BroadcastHostResult = z.object({
  broadcastId: z.string(),
  hostId: HostId,
  status: BroadcastStatus,
  /** Exit status; null while running, after a signal, a timeout, a cancel or an error. */
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
  /** From the call to the result (ms), connecting included. */
  durationMs: z.number(),
  /** The first `BROADCAST.keepBytes` of each stream (UTF-8 decoded), also after a timeout. */
  stdout: z.string(),
  stderr: z.string(),
  /** Bytes the command wrote to each stream; more than kept when truncated. */
  stdoutBytes: z.number().int(),
  stderrBytes: z.number().int(),
  truncated: z.boolean(),
  /** Why it did not end with an exit (timeout, cancel, connect failure), naming the host. */
  error: LabErrorData.optional(),
})
export type BroadcastHostResult = z.infer<typeof BroadcastHostResult>
