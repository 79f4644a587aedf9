import type { LabHostInfo } from '../../labsim/index'
import { connect, exec, type ExecOut } from '../integration/labsim/ssh-helpers'

/** What labsim announces for a host (docs/design.md's JSON line), as much as an exec needs. */
export interface LabsimHostRef {
  readonly port: number
  readonly identityFile: string
  readonly hostKeyFingerprint: string
}

/**
 * Runs one command on a labsim host over its own SSH connection (host key checked against the
 * announced fingerprint), e.g. `echo 'fw-assert pci/0000:08:00.0' > /sys/kernel/debug/labsim/inject`.
 * Rejects when the command exits non-zero, naming it and its stderr.
 */
export async function labsimExec(host: LabsimHostRef, command: string): Promise<ExecOut> {
  const info: LabHostInfo = { ...host, name: 'labsim', host: '127.0.0.1', user: 'root' }
  const client = await connect(info)
  try {
    const out = await exec(client, command)
    if (out.code !== 0) throw new Error(`labsim: \`${command}\` exited ${out.code}: ${out.stderr}`)
    return out
  } finally {
    client.end()
  }
}
