import { z } from 'zod'

/**
 * The one JSON line `replab sim` (labsim/cli.ts) prints on stdout (docs/design.md §The simulated lab):
 * `{ "hosts": [ { name, host, port, user, identityFile, hostKeyFingerprint } ] }`.
 * main never imports labsim; it reads this line from the spawned process.
 */
export const SimHostInfo = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/),
  host: z.literal('127.0.0.1'),
  port: z.number().int().min(1).max(65535),
  user: z.string(),
  identityFile: z.string(),
  hostKeyFingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/),
})
export type SimHostInfo = z.infer<typeof SimHostInfo>

export const SimAnnouncement = z.object({ hosts: z.array(SimHostInfo) })

/** Parses labsim's announcement line; throws a `LabError`-free plain Error naming the bad line. */
export function parseSimAnnouncement(line: string): SimHostInfo[] {
  let json: unknown
  try {
    json = JSON.parse(line)
  } catch {
    throw new Error(`labsim printed a line that is not JSON: ${JSON.stringify(line.slice(0, 120))}`)
  }
  const parsed = SimAnnouncement.safeParse(json)
  if (!parsed.success)
    throw new Error(
      `labsim announcement has the wrong shape: ${parsed.error.message.slice(0, 300)}`,
    )
  return parsed.data.hosts
}
