import { z } from 'zod'

import type { CallDef } from './api'
import { HostConfig, HostId, HostView } from './hosts'

/**
 * Host management calls beyond add/remove (issue 18): edit an entry, duplicate it, and import
 * hosts from an ssh_config the user chose (by path on the console's machine, or its text).
 * Spread into `calls.hosts` by api.ts, so both front doors serve them like every other call.
 */

const def = <Req extends z.ZodType, Res extends z.ZodType>(
  channel: string,
  request: Req,
  response: Res,
): CallDef<Req, Res> => ({ channel, request, response, mutating: false })

/** The host-management calls, keyed as `lab.hosts.<verb>`. */
export const hostAdminCalls = {
  /**
   * Replaces an entry's settings; the id never changes. A connected host whose address, port,
   * user, identity, jump host or auth method changed is disconnected (the next Connect uses the
   * new settings). Raises `not-found` for an unknown id, `invalid-request` when `config.id`
   * differs from `hostId`.
   */
  update: def('hosts:update', z.object({ hostId: HostId, config: HostConfig }), HostView),
  /**
   * Copies an entry under a new id (`newId`, default `<id>-copy`, `-copy-2`, …) and name, not
   * connected. Raises `not-found`, or `invalid-request` when `newId` exists.
   */
  duplicate: def(
    'hosts:duplicate',
    z.object({ hostId: HostId, newId: HostId.optional(), name: z.string().max(128).optional() }),
    HostView,
  ),
  /**
   * Lists the concrete hosts of an ssh_config given as text (a file the user picked in the
   * browser). `Include` lines resolve as in `~/.ssh/config`. At most 1 MiB.
   */
  importSshConfigText: def(
    'hosts:import-ssh-config-text',
    z.object({ text: z.string().max(1 << 20), name: z.string().max(256).optional() }),
    z.array(HostConfig),
  ),
} as const

/**
 * A free id for a copy of `id` among `taken`: `<id>-copy`, then `<id>-copy-2`, … (cut to the
 * 64 characters a HostId allows). Shared by the editor (to prefill) and the back end.
 */
export function copyIdFor(id: string, taken: { has(id: string): boolean }): string {
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? '-copy' : `-copy-${n}`
    const candidate = `${id.slice(0, 64 - suffix.length)}${suffix}`
    if (!taken.has(candidate)) return candidate
  }
}
