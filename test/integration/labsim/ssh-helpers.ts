import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Client } from 'ssh2'
import type { LabHostInfo } from '../../../labsim/index'

/** Result of one exec over SSH. */
export interface ExecOut {
  stdout: string
  stderr: string
  code: number | null
  signal: string | null
}

/** Connects with ssh2, verifying the host key against the fingerprint labsim reported. */
export function connect(info: LabHostInfo): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client()
    client.on('ready', () => resolve(client))
    client.on('error', reject)
    client.connect({
      host: info.host,
      port: info.port,
      username: info.user,
      privateKey: readFileSync(info.identityFile),
      hostVerifier: (key: Buffer) =>
        `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}` ===
        info.hostKeyFingerprint,
    })
  })
}

/** Runs one command and collects its output and exit status. */
export function exec(client: Client, command: string, stdin?: string): Promise<ExecOut> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err)
      let stdout = ''
      let stderr = ''
      let code: number | null = null
      let signal: string | null = null
      stream.on('data', (d: Buffer) => (stdout += d.toString()))
      stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      stream.on('exit', (c: number | null, s?: string) => {
        code = c
        signal = s ?? null
      })
      stream.on('close', () => resolve({ stdout, stderr, code, signal }))
      if (stdin !== undefined) stream.end(stdin)
    })
  })
}
