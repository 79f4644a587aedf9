import { z } from 'zod'

/**
 * One audited mutating operation (issue 9, Audit log): who ran it, when, on which host and
 * device, the exact commands with exit codes, and how long it took (ms). A drill writes one entry
 * for itself (updated with its outcome, same `id`) and one per command it sends (issue 21).
 */
export const AuditEntry = z.object({
  /**
   * Entries sharing an id are one entry updated over time (a drill's `started`, then its
   * outcome): readers keep the last, with the first's `at`. Absent: a one-off entry.
   */
  id: z.string().optional(),
  /** The drill run a command or drill entry belongs to. */
  runId: z.string().optional(),
  /** The drill step a command ran in. */
  step: z.string().optional(),
  at: z.string(),
  who: z.string(),
  session: z.string(),
  hostId: z.string(),
  target: z.string(),
  device: z.string().optional(),
  action: z.string(),
  status: z.string(),
  durationMs: z.number(),
  commands: z.array(
    z.object({ command: z.string(), code: z.number().int().nullable(), durationMs: z.number() }),
  ),
})
export type AuditEntry = z.infer<typeof AuditEntry>
