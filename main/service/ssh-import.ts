import { homedir } from 'node:os'
import { join } from 'node:path'

import { HostConfig, labError } from '../../contract'
import { loadSshConfig, resolveTarget } from '../ssh'

/**
 * Lists the concrete hosts of an OpenSSH client config (default `~/.ssh/config`; a leading `~/`
 * is the home directory) as inventory
 * entries: every `Host` alias without wildcards or negation, resolved through the same ssh_config
 * logic the connection uses (HostName, User, Port, IdentityFile, ProxyJump, Include).
 * Raises `io-error` when the file cannot be read.
 */
export async function importSshConfigHosts(path?: string): Promise<HostConfig[]> {
  const file =
    path === undefined
      ? join(homedir(), '.ssh/config')
      : path.startsWith('~/')
        ? join(homedir(), path.slice(2))
        : path
  let config: Awaited<ReturnType<typeof loadSshConfig>>
  try {
    config = await loadSshConfig(file)
  } catch (err) {
    throw labError('io-error', `cannot read ssh config ${file}: ${(err as Error).message}`)
  }
  const aliases = new Set<string>()
  for (const section of config as unknown as Array<{ param?: string; value?: unknown }>) {
    if (section.param?.toLowerCase() !== 'host') continue
    const values = Array.isArray(section.value) ? section.value : [section.value]
    for (const v of values) {
      const alias = typeof v === 'string' ? v : (v as { val?: string })?.val
      if (alias && !/[*?!]/.test(alias)) aliases.add(alias)
    }
  }
  const out: HostConfig[] = []
  for (const alias of aliases) {
    const t = await resolveTarget(alias, { configFile: file })
    const parsed = HostConfig.safeParse({
      id: alias.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 64),
      name: alias,
      host: t.host,
      port: t.port,
      user: t.user,
      identityFile: t.defaultIdentities ? undefined : t.identityFiles[0],
      proxyJump: t.jumps.length ? t.jumps.map((j) => j.label).join(',') : undefined,
      group: 'ssh_config',
    })
    if (parsed.success) out.push(parsed.data)
  }
  return out
}
