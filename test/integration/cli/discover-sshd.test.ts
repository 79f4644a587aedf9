import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { release } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { beforeAll, describe, expect, it } from 'vitest'

import { HostSnapshot } from '../../../contract'
import { requireSystemDeps } from '../../helpers/system-deps'
import { useSshd } from '../../helpers/use-sshd'

const run = promisify(execFile)
const bin = join(__dirname, '../../../bin/replab.mjs')

async function replab(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [bin, ...args], { timeout: 60_000, maxBuffer: 64 << 20 })
    return { code: 0, stdout: r.stdout, stderr: r.stderr }
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    return {
      code: typeof e.code === 'number' ? e.code : 1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    }
  }
}

// `replab discover` against Debian's real OpenSSH sshd on this machine's real kernel: the
// discovery script runs under the real /bin/sh and real iproute2 (no mlx5 here, and devlink
// cannot reach its netlink family in this sandbox: a real-world error the snapshot must carry).
describe('replab discover over OpenSSH (real host)', () => {
  const rig = useSshd({ user: false, prefix: 'replab-cli-' })
  beforeAll(() => requireSystemDeps(['ip']))

  it('refuses an unknown host key without --accept-new, printing its SHA256 fingerprint', async () => {
    const kh = join(rig.dir, 'kh-refuse')
    const r = await replab([
      'discover',
      rig.target(),
      '-i',
      rig.key.path,
      '--known-hosts',
      kh,
      '--json',
    ])
    expect(r.code).toBe(1)
    const fingerprint = /SHA256:[A-Za-z0-9+/]{43}/.exec(rig.sshd.hostFingerprint)?.[0]
    expect(fingerprint).toBeDefined()
    expect(r.stderr).toContain(fingerprint!)
    expect(r.stderr).toMatch(/ssh-hostkey-unknown/)
    expect(r.stdout).toBe('')
  })

  it('with --accept-new records the key, then discovers the real host in one round trip', async () => {
    const kh = join(rig.dir, 'kh-accept')
    const r = await replab([
      'discover',
      rig.target(),
      '-i',
      rig.key.path,
      '--known-hosts',
      kh,
      '--accept-new',
      '--json',
    ])
    expect(r.stderr).not.toMatch(/internal/)
    expect(r.code).toBe(0)
    const snapshot = HostSnapshot.parse(JSON.parse(r.stdout))
    expect(snapshot.host.kernel).toBe(release())
    expect(snapshot.stats?.roundTrips).toBe(1)
    expect(snapshot.netdevs?.some((n) => n.ifname === 'lo')).toBe(true)
    expect(await readFile(kh, 'utf8')).toMatch(/ssh-ed25519 AAAA/)
    // The second run needs no --accept-new: the key is on record now.
    const again = await replab([
      'discover',
      rig.target(),
      '-i',
      rig.key.path,
      '--known-hosts',
      kh,
      '--json',
    ])
    expect(again.code).toBe(0)
  })
})
