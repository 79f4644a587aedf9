import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { CommandLogEntry, Fault } from './host'
import { SimHost } from './host'
import type { LabScenario } from './scenario'
import { LabConfigError, resolveHosts } from './scenario'
import { fingerprint, generateEd25519, writeIdentity } from './server/keys'
import { HostServer } from './server/ssh-server'

export type { CommandLogEntry, Fault, LabScenario }
export { LabConfigError, SimHost }
export type { ScenarioCard, ScenarioHost } from './scenario'

/** Options of `startLab`. */
export interface LabOptions {
  /** Number of hosts (default 1, or the scenario's host count). */
  hosts?: number
  /** Kernel profile of hosts the scenario does not override (default `fixed`). */
  profile?: 'fixed' | 'pre-series'
  /** Time scale: 1 = real durations, 0.02 = 50x faster (default 1). */
  speed?: number
  scenario?: LabScenario
  /** Where the client key is written (default: a new temp directory). */
  keyDir?: string
}

/** Connection details of one simulated host (the `replab sim` JSON line, docs/design.md). */
export interface LabHostInfo {
  name: string
  host: '127.0.0.1'
  port: number
  user: 'root'
  identityFile: string
  /** As OpenSSH prints it: `SHA256:<base64 without padding>`. */
  hostKeyFingerprint: string
}

/** A running lab. `stop()` closes every server; the owner calls it exactly once. */
export interface Lab {
  readonly hosts: LabHostInfo[]
  host(name: string): SimHost
  stop(): Promise<void>
}

/**
 * Starts simulated hosts, each an ssh2 server on 127.0.0.1 (random port, own ed25519 host
 * key, public-key auth with one client key written to `keyDir/id_ed25519`, mode 0600).
 *
 * Throws `LabConfigError` for invalid options or scenario.
 */
export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const speed = options.speed ?? 1
  if (!(speed > 0) || !Number.isFinite(speed))
    throw new LabConfigError('speed: must be a positive number')
  const specs = resolveHosts(options.hosts, options.profile ?? 'fixed', options.scenario)
  const keyDir = resolve(options.keyDir ?? (await mkdtemp(join(tmpdir(), 'labsim-'))))
  const client = generateEd25519('replab-labsim-client')
  const identityFile = await writeIdentity(keyDir, client)
  const servers: HostServer[] = []
  const hosts = new Map<string, SimHost>()
  const infos: LabHostInfo[] = []
  try {
    for (const spec of specs) {
      const host = new SimHost(spec, speed)
      const hostKey = generateEd25519(`labsim-${spec.name}`)
      const server = new HostServer(host, hostKey.privateKey, client.publicKey)
      host.transport = {
        disconnectAll: () => server.disconnectAll(),
        restart: () => server.restart(),
      }
      const port = await server.listen(0)
      servers.push(server)
      hosts.set(spec.name, host)
      infos.push({
        name: spec.name,
        host: '127.0.0.1',
        port,
        user: 'root',
        identityFile,
        hostKeyFingerprint: fingerprint(hostKey.publicKey),
      })
    }
  } catch (error) {
    await Promise.all(servers.map((s) => s.close()))
    throw error
  }
  return {
    hosts: infos,
    host: (name) => {
      const host = hosts.get(name)
      if (!host) throw new LabConfigError(`no simulated host named "${name}"`)
      return host
    },
    stop: async () => {
      await Promise.all(servers.map((s) => s.close()))
    },
  }
}
