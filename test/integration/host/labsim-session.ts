import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startLab, type Lab, type LabOptions } from '../../../labsim/index'
import { connectHost, resolveTarget, type SshConnection } from '../../../main/ssh'

/**
 * A labsim lab plus verified main/ssh connections to its hosts: the host key is accepted only
 * when its SHA256 fingerprint equals the one `startLab` reported.
 */
export interface LabSession {
  readonly lab: Lab
  connect(name: string): Promise<SshConnection>
  close(): Promise<void>
}

/** Starts a lab and returns a session; `close()` disposes connections, the lab and temp files. */
export async function startLabSession(options: LabOptions): Promise<LabSession> {
  const dir = await mkdtemp(join(tmpdir(), 'replab-host-lab-'))
  const lab = await startLab({ ...options, keyDir: dir })
  const conns: SshConnection[] = []
  return {
    lab,
    async connect(name) {
      const info = lab.hosts.find((h) => h.name === name)
      if (info === undefined) throw new Error(`no lab host ${name}`)
      const target = await resolveTarget(`${info.user}@${info.host}:${info.port}`, {
        configFile: null,
        identityFile: info.identityFile,
        homeDir: dir,
      })
      const conn = await connectHost(target, {
        knownHosts: { file: join(dir, 'known_hosts'), userFile: null },
        hostKeyPolicy: async (q) => (q.fingerprint === info.hostKeyFingerprint ? 'once' : 'reject'),
        auth: { agent: null },
        reconnect: false,
      })
      conns.push(conn)
      return conn
    },
    async close() {
      for (const c of conns) c.close()
      await lab.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
