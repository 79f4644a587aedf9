import { homedir } from 'node:os'
import { join } from 'node:path'
import type SSHConfig from 'ssh-config'
import { HostConfig } from '../../contract/hosts'
import type { HostConfigInput } from '../../contract/hosts'
import { loadSshConfig, resolveTarget } from './ssh-config'

/**
 * `hosts:import-ssh-config`: turns every concrete alias of an ssh_config (`Host` patterns without
 * `*`, `?` or `!`) into an inventory entry, resolved exactly as `ssh <alias>` would resolve it.
 */

/** Result of an import: valid entries, and aliases skipped with the reason. */
export interface SshConfigImport {
  readonly hosts: HostConfigInput[]
  readonly skipped: Array<{ readonly alias: string; readonly reason: string }>
}

function hostId(alias: string): string {
  const id = alias
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
  return id.slice(0, 64) || 'host'
}

async function aliasesOf(
  file: string,
  home: string,
): Promise<{ config: SSHConfig; aliases: string[] }> {
  const config = await loadSshConfig(file, home)
  const out: string[] = []
  for (const line of config) {
    if (!('param' in line) || line.param.toLowerCase() !== 'host') continue
    const values = Array.isArray(line.value)
      ? line.value.map((v) => v.val)
      : line.value.split(/\s+/)
    for (const v of values) if (v && !/[*?!]/.test(v) && !out.includes(v)) out.push(v)
  }
  return { config, aliases: out }
}

/** ProxyJump as written for `alias` (aliases kept, so jump hosts keep their own settings). */
function rawProxyJump(config: SSHConfig, alias: string): string | undefined {
  const v = config.compute({ Host: alias }, { ignoreCase: true, matchExec: false })['proxyjump']
  const s = Array.isArray(v) ? v[0] : v
  return s === undefined || s.trim().toLowerCase() === 'none' ? undefined : s.trim()
}

/**
 * Reads `file` (default `~/.ssh/config`, Includes expanded) and resolves each alias. Entries
 * that do not fit the contract (e.g. a user name with spaces) are skipped with the reason, not
 * fatal. Raises `io-error` only when the file exists but cannot be read.
 */
export async function importSshConfig(
  file?: string,
  options: { homeDir?: string; defaultUser?: string } = {},
): Promise<SshConfigImport> {
  const home = options.homeDir ?? homedir()
  const path = file ?? join(home, '.ssh', 'config')
  const hosts: HostConfigInput[] = []
  const skipped: Array<{ alias: string; reason: string }> = []
  const ids = new Set<string>()
  const { config, aliases } = await aliasesOf(path, home)
  for (const alias of aliases) {
    try {
      const t = await resolveTarget(alias, {
        configFile: path,
        homeDir: home,
        ...(options.defaultUser === undefined ? {} : { defaultUser: options.defaultUser }),
      })
      let id = hostId(alias)
      for (let i = 2; ids.has(id); i++) id = `${hostId(alias).slice(0, 60)}-${i}`
      const entry: HostConfigInput = {
        id,
        name: alias,
        host: t.host,
        port: t.port,
        user: t.user,
        ...(t.defaultIdentities || t.identityFiles[0] === undefined
          ? {}
          : { identityFile: t.identityFiles[0] }),
        ...(t.jumps.length > 0 ? { proxyJump: rawProxyJump(config, alias) } : {}),
      }
      const parsed = HostConfig.safeParse(entry)
      if (!parsed.success) {
        skipped.push({
          alias,
          reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        })
        continue
      }
      ids.add(id)
      hosts.push(entry)
    } catch (err) {
      skipped.push({ alias, reason: (err as Error).message })
    }
  }
  return { hosts, skipped }
}
