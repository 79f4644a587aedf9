import { z } from 'zod'

import { hostAddressProblem } from './host-address'

/**
 * Host inventory and connection state. Secrets (keys, passwords, passphrases) never appear
 * here: the renderer sees host ids, names and states only.
 */

/** Inventory id: lowercase letters, digits and `-`/`_`/`.`, at most 64 chars. */
export const HostId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/)
export type HostId = z.infer<typeof HostId>

/** A DNS name or IPv4/IPv6 literal; nothing a shell would interpret (see host-address.ts). */
export const HostAddress = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,253}$/)
  .superRefine((v, ctx) => {
    const problem = hostAddressProblem(v)
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem })
  })

/**
 * How a host authenticates: `auto` is OpenSSH's order (ssh-agent, then identity files);
 * `publickey` the identity file only (no agent); `agent` the agent's keys only.
 */
export const AuthMethod = z.enum(['auto', 'publickey', 'agent'])
export type AuthMethod = z.infer<typeof AuthMethod>

/** A POSIX user name. */
export const UserName = z.string().regex(/^[a-z_][a-z0-9_.-]{0,31}\$?$/i)

/** What the user enters to add a host (form or ssh_config import). */
export const HostConfig = z.object({
  id: HostId,
  name: z.string().min(1).max(128),
  host: HostAddress,
  port: z.number().int().min(1).max(65535).default(22),
  user: UserName,
  identityFile: z.string().max(4096).optional(),
  /** ProxyJump chain as OpenSSH spells it: `user@jump1:22,jump2`. */
  proxyJump: z.string().max(1024).optional(),
  /** Which credentials to offer (default `auto`). */
  auth: AuthMethod.optional(),
  group: z.string().max(64).optional(),
  readOnly: z.boolean().default(false),
  /** Set for hosts that labsim serves: enables fault injection. */
  simulated: z.boolean().default(false),
})
export type HostConfig = z.infer<typeof HostConfig>
export type HostConfigInput = z.input<typeof HostConfig>

/** Connection state as the UI shows it. */
export const ConnectionState = z.discriminatedUnion('state', [
  z.object({ state: z.literal('idle') }),
  z.object({ state: z.literal('connecting'), attempt: z.number().int() }),
  z.object({ state: z.literal('ready'), since: z.string() }),
  z.object({
    state: z.literal('reconnecting'),
    attempt: z.number().int(),
    inMs: z.number(),
    reason: z.string(),
  }),
  z.object({ state: z.literal('failed'), code: z.string(), reason: z.string() }),
])
export type ConnectionState = z.infer<typeof ConnectionState>

/** One inventory entry with its live state. */
export const HostView = z.object({
  config: HostConfig,
  connection: ConnectionState,
})
export type HostView = z.infer<typeof HostView>

/**
 * A host-key decision the user must take (first use or a changed key).
 *
 * Fingerprints are `SHA256:<base64 without padding>` exactly as OpenSSH prints them.
 */
export const HostKeyPrompt = z.object({
  promptId: z.string(),
  hostId: HostId,
  host: z.string(),
  port: z.number().int(),
  /** `host` for the target, or the jump host being verified. */
  hop: z.string(),
  keyType: z.string(),
  fingerprint: z.string(),
  status: z.enum(['unknown', 'changed', 'revoked']),
  /** For `changed`: the fingerprint on record and the known_hosts file:line holding it. */
  knownFingerprint: z.string().optional(),
  knownLocation: z.string().optional(),
  /** For `changed`: the type of the key on record, which may differ from `keyType`. */
  knownKeyType: z.string().optional(),
})
export type HostKeyPrompt = z.infer<typeof HostKeyPrompt>
