import type { AuthMethod } from '../../contract'
import type { AuthOptions, ResolvedTarget } from '../ssh'

/**
 * The inventory's per-host auth method as ssh2 options (contract `AuthMethod`):
 * `auto` is OpenSSH's order (agent, then identity files); `publickey` uses the identity files
 * only, never the agent; `agent` uses only the agent's keys. The target's own hop changes; jump
 * hosts keep ssh(1)'s defaults.
 */
export function applyAuthMethod(
  method: AuthMethod | undefined,
  target: ResolvedTarget,
): { target: ResolvedTarget; auth: AuthOptions } {
  switch (method ?? 'auto') {
    case 'publickey':
      return { target, auth: { agent: null } }
    case 'agent':
      return { target: { ...target, identityFiles: [], defaultIdentities: true }, auth: {} }
    default:
      return { target, auth: {} }
  }
}
