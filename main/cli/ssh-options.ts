import type { Command } from 'commander'

import { defaultDataDir } from '../service/backend'
import {
  connectHost,
  defaultUserKnownHosts,
  resolveTarget,
  type KnownHostsConfig,
  type SshConnection,
} from '../ssh'

/** The OpenSSH-style options every host-facing command takes. */
export interface SshCliOptions {
  identity?: string
  knownHosts?: string
  acceptNew?: boolean
  jump?: string
  config?: string
  timeout?: string
}

/** Adds `-i`, `--known-hosts`, `--accept-new`, `-J`, `-F` and `--timeout` to a command. */
export function withSshOptions(cmd: Command): Command {
  return cmd
    .option('-i, --identity <file>', 'identity (private key) file, tried first')
    .option(
      '--known-hosts <file>',
      "known_hosts file to check and record keys in (instead of replab's and ~/.ssh/known_hosts)",
    )
    .option(
      '--accept-new',
      'trust an unknown host key once and record it (like StrictHostKeyChecking=accept-new)',
    )
    .option('-J, --jump <jumps>', 'ProxyJump chain: [user@]host[:port][,…] or none')
    .option('-F, --config <file>', 'ssh_config file to read instead of ~/.ssh/config')
    .option('--timeout <ms>', 'timeout of each remote command in ms', '60000')
}

/** Known-hosts files as the CLI uses them: `--known-hosts` replaces both defaults, as in ssh(1). */
export function cliKnownHosts(opts: SshCliOptions): KnownHostsConfig {
  if (opts.knownHosts) return { file: opts.knownHosts, userFile: null }
  return { file: `${defaultDataDir()}/known_hosts`, userFile: defaultUserKnownHosts() }
}

/**
 * Resolves and connects a CLI target (`user@host:port` or an ssh_config alias). Unknown host
 * keys are refused unless `--accept-new`; the error names the SHA256 fingerprint.
 */
export async function connectCli(
  target: string,
  opts: SshCliOptions,
  signal?: AbortSignal,
): Promise<SshConnection> {
  const resolved = await resolveTarget(target, {
    ...(opts.config ? { configFile: opts.config } : {}),
    ...(opts.identity ? { identityFile: opts.identity } : {}),
    ...(opts.jump ? { jump: opts.jump } : {}),
  })
  return connectHost(resolved, {
    knownHosts: cliKnownHosts(opts),
    hostKeyPolicy: opts.acceptNew ? 'accept-new' : 'strict',
    reconnect: false,
    ...(signal ? { signal } : {}),
  })
}

/** Parses `--timeout`; raises a plain Error naming the bad value. */
export function timeoutMs(opts: SshCliOptions): number {
  const n = Number(opts.timeout ?? 60000)
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`--timeout must be a positive number of ms, not ${opts.timeout}`)
  return n
}
