import { readFile } from 'node:fs/promises'
import { homedir, userInfo } from 'node:os'
import { isAbsolute, join } from 'node:path'
import SSHConfig from 'ssh-config'
import { glob } from 'tinyglobby'
import { labError } from '../../contract/errors'
import { targetLabel } from './errors'

/**
 * `~/.ssh/config` import (ssh_config(5)) through the `ssh-config` package, plus the
 * `Include` expansion it lacks (globs via tinyglobby, relative paths under `~/.ssh`), `~` and
 * `%h %p %r %u %d %%` tokens in IdentityFile, and the CLI target grammar of ssh(1).
 */

/** One SSH hop (a jump host or the final target), fully resolved. */
export interface ResolvedHop {
  /** What the user typed (alias or address), used for config lookups. */
  readonly alias: string
  /** Address to connect to (HostName). */
  readonly host: string
  readonly port: number
  readonly user: string
  /** Absolute identity file paths, in OpenSSH order (-i first). */
  readonly identityFiles: readonly string[]
  /** True when no IdentityFile was configured: the paths are OpenSSH's defaults (may not exist). */
  readonly defaultIdentities: boolean
  /** ServerAliveInterval in ms (0 = off). Default 15000. */
  readonly keepaliveIntervalMs: number
  /** ServerAliveCountMax. Default 3. */
  readonly keepaliveCountMax: number
  /** ConnectTimeout in ms (bounds TCP connect + handshake + auth). Default 20000. */
  readonly readyTimeoutMs: number
  /** `user@host:port`. */
  readonly label: string
}

/** A target with the jump chain to reach it (first element = first hop from here). */
export interface ResolvedTarget extends ResolvedHop {
  readonly jumps: readonly ResolvedHop[]
}

/** Options mirroring ssh(1): `-F`, `-i`, `-J`, `-l`/`-p` style overrides. */
export interface ResolveOptions {
  /** `-F file`: use this config instead of `~/.ssh/config`; `null` reads no config at all. */
  readonly configFile?: string | null
  /** `-i file`, tried before configured identities. */
  readonly identityFile?: string
  /** `-J spec`: overrides any ProxyJump; `none` disables it. */
  readonly jump?: string
  /** Home directory for `~` and default files. Default `os.homedir()`. */
  readonly homeDir?: string
  /** User when neither target nor config names one. Default the local user. */
  readonly defaultUser?: string
}

/** `user@host:port` / `host` / `[v6addr]:port` split into parts. Raises `invalid-request`. */
export function parseTargetSpec(spec: string): { user?: string; host: string; port?: number } {
  const m = /^(?:([^@\s]+)@)?(\[[^\]\s]+\]|[^:@\s[\]]+)(?::(\d{1,5}))?$/.exec(spec.trim())
  if (!m || m[2] === undefined) {
    throw labError(
      'invalid-request',
      `bad SSH target "${spec}" (expected user@host:port, host or an alias)`,
    )
  }
  const host = m[2].replace(/^\[|\]$/g, '')
  const port = m[3] === undefined ? undefined : Number(m[3])
  if (port !== undefined && (port < 1 || port > 65535)) {
    throw labError('invalid-request', `bad port in SSH target "${spec}"`)
  }
  return {
    ...(m[1] === undefined ? {} : { user: m[1] }),
    host,
    ...(port === undefined ? {} : { port }),
  }
}

function expandTilde(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p
}

const INCLUDE_RE = /^\s*include(?:\s*=\s*|\s+)(.+)$/i

async function expandIncludes(text: string, home: string, depth: number): Promise<string> {
  if (depth > 16) throw labError('parse-error', 'ssh_config: Include nested deeper than 16 levels')
  const out: string[] = []
  for (const line of text.split('\n')) {
    const m = INCLUDE_RE.exec(line)
    if (!m || m[1] === undefined) {
      out.push(line)
      continue
    }
    for (const raw of m[1].trim().split(/\s+/)) {
      const pat = expandTilde(raw.replace(/^"|"$/g, ''), home)
      const abs = isAbsolute(pat) ? pat : join(home, '.ssh', pat)
      const files = (await glob(abs, { absolute: true, onlyFiles: true })).sort()
      for (const f of files) {
        const inc = await readFile(f, 'utf8').catch(() => '')
        out.push(await expandIncludes(inc, home, depth + 1))
      }
    }
  }
  return out.join('\n')
}

/**
 * Reads and parses an ssh_config file with its Includes expanded. A missing file is an empty
 * config; an unreadable `-F` file raises `io-error`.
 */
export async function loadSshConfig(file: string, homeDir: string = homedir()): Promise<SSHConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return SSHConfig.parse('')
    throw labError('io-error', `cannot read ssh_config ${file}: ${(err as Error).message}`)
  }
  return SSHConfig.parse(await expandIncludes(text, homeDir, 0))
}

type Computed = Record<string, string | string[]>

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v
}

function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v]
}

/** A non-negative number from the config times `scale` (1000 turns seconds into ms). */
function seconds(v: string | undefined, dflt: number, what: string, scale = 1000): number {
  if (v === undefined) return dflt
  const n = Number(v)
  if (!Number.isFinite(n) || n < 0) throw labError('parse-error', `ssh_config: bad ${what} "${v}"`)
  return n * scale
}

function expandTokens(
  p: string,
  t: { alias: string; host: string; port: number; user: string; home: string },
): string {
  const local = userInfo().username
  return expandTilde(p, t.home).replace(/%([%hprud])/g, (_m, c: string) => {
    switch (c) {
      case 'h':
        return t.host
      case 'p':
        return String(t.port)
      case 'r':
        return t.user
      case 'u':
        return local
      case 'd':
        return t.home
      default:
        return '%'
    }
  })
}

const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ed25519']

function hopFrom(
  spec: { user?: string; host: string; port?: number },
  c: Computed,
  o: { home: string; defaultUser: string; identityFile?: string },
): ResolvedHop {
  const alias = spec.host
  const hostRaw = first(c['hostname']) ?? alias
  const host = hostRaw.replace(/%h/g, alias)
  const port = spec.port ?? Number(first(c['port']) ?? 22)
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw labError('parse-error', `ssh_config: bad Port for ${alias}`)
  }
  const user = spec.user ?? first(c['user']) ?? o.defaultUser
  const ctx = { alias, host, port, user, home: o.home }
  const configured = list(c['identityfile'])
  const defaults = configured.length === 0
  const files = [
    ...(o.identityFile === undefined ? [] : [o.identityFile]),
    ...(defaults ? DEFAULT_IDENTITIES.map((n) => `~/.ssh/${n}`) : configured),
  ].map((f) => expandTokens(f, ctx))
  return {
    alias,
    host,
    port,
    user,
    identityFiles: [...new Set(files)],
    defaultIdentities: defaults && o.identityFile === undefined,
    keepaliveIntervalMs: seconds(first(c['serveraliveinterval']), 15_000, 'ServerAliveInterval'),
    keepaliveCountMax: seconds(first(c['serveralivecountmax']), 3, 'ServerAliveCountMax', 1),
    readyTimeoutMs: seconds(first(c['connecttimeout']), 20_000, 'ConnectTimeout'),
    label: targetLabel({ user, host, port }),
  }
}

function compute(config: SSHConfig, host: string, user?: string): Computed {
  const q = user === undefined ? { Host: host } : { Host: host, User: user }
  return config.compute(q, { ignoreCase: true, matchExec: false })
}

function resolveChain(
  config: SSHConfig,
  jumpSpec: string | undefined,
  o: { home: string; defaultUser: string },
  depth: number,
): ResolvedHop[] {
  if (jumpSpec === undefined || jumpSpec.trim().toLowerCase() === 'none') return []
  if (depth > 8) throw labError('invalid-request', 'ProxyJump chain is longer than 8 hops or loops')
  const hops: ResolvedHop[] = []
  for (const part of jumpSpec.split(',')) {
    const spec = parseTargetSpec(part.replace(/^ssh:\/\//, ''))
    const c = compute(config, spec.host, spec.user)
    hops.push(...resolveChain(config, first(c['proxyjump']), o, depth + 1))
    hops.push(hopFrom(spec, c, o))
  }
  return hops
}

/**
 * Resolves a CLI target (`user@host:port`, `host` or an ssh_config alias) the way ssh(1) does:
 * command-line values beat config values, first config match wins, `-J` beats ProxyJump.
 * Raises `invalid-request` (bad target/jump), `parse-error` (bad numbers), `io-error` (-F file).
 */
export async function resolveTarget(
  target: string,
  options: ResolveOptions = {},
): Promise<ResolvedTarget> {
  const home = options.homeDir ?? homedir()
  const o = { home, defaultUser: options.defaultUser ?? userInfo().username }
  const file = options.configFile === undefined ? join(home, '.ssh', 'config') : options.configFile
  const config = file === null ? SSHConfig.parse('') : await loadSshConfig(file, home)
  const spec = parseTargetSpec(target)
  const c = compute(config, spec.host, spec.user)
  const hop = hopFrom(spec, c, {
    ...o,
    ...(options.identityFile === undefined ? {} : { identityFile: options.identityFile }),
  })
  const jumpSpec = options.jump ?? first(c['proxyjump'])
  return { ...hop, jumps: resolveChain(config, jumpSpec, o, 0) }
}

/** The inventory fields `resolveHostConfig` reads (contract `HostConfig`). */
export interface InventoryHost {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly identityFile?: string | undefined
  readonly proxyJump?: string | undefined
}

/**
 * Resolves an inventory entry (contract `HostConfig`) like `resolveTarget('user@host:port')`
 * with its identity file as `-i` and its ProxyJump as `-J`; ssh_config still supplies the rest
 * (keepalive, ConnectTimeout, jump hosts' own settings). Raises like `resolveTarget`.
 */
export function resolveHostConfig(
  entry: InventoryHost,
  options: Omit<ResolveOptions, 'identityFile' | 'jump'> = {},
): Promise<ResolvedTarget> {
  const host = entry.host.includes(':') ? `[${entry.host}]` : entry.host
  return resolveTarget(`${entry.user}@${host}:${entry.port}`, {
    ...options,
    ...(entry.identityFile ? { identityFile: entry.identityFile } : {}),
    ...(entry.proxyJump ? { jump: entry.proxyJump } : {}),
  })
}
