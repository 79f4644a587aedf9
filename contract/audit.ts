import { z } from 'zod'

/**
 * One audited mutating operation (issue 9, Audit log): who ran it, when, on which host and
 * device, the exact commands with exit codes, and how long it took (ms).
 */
export const AuditEntry = z.object({
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
