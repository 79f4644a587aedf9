import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { createTestUser, makeKey } from '../../helpers/sshd'
import { startFakeHost, type FakeHost } from './host'

/**
 * Fake hosts in a process of their own (so their models' CPU is not the console's, as labsim's
 * lab-child.ts): `child.ts <hosts>` adds a throwaway login user and a client key, starts that
 * many fake hosts (host.ts; 8 at a time), prints `{"hosts":[…]}` (the `replab sim` shape) as one
 * JSON line, and on stdin's end stops every host and removes the user and the key.
 */

const n = Number(process.argv[2] ?? 1)
const user = await createTestUser()
const keyDir = await mkdtemp(join(tmpdir(), 'replab-fakehost-key-'))
const hosts: FakeHost[] = []
const cleanup = async (): Promise<void> => {
  await Promise.all(hosts.map((h) => h.stop().catch(() => undefined)))
  await user.remove().catch(() => undefined)
  await rm(keyDir, { recursive: true, force: true })
}
try {
  const key = await makeKey(keyDir, 'id_ed25519')
  while (hosts.length < n) {
    const batch = Array.from({ length: Math.min(8, n - hosts.length) }, (_, i) =>
      startFakeHost(`fake-${hosts.length + i + 1}`, { user: user.name, publicKey: key.pub }),
    )
    hosts.push(...(await Promise.all(batch)))
  }
  const list = hosts.map((h) => ({
    name: h.name,
    host: '127.0.0.1',
    port: h.port,
    user: user.name,
    identityFile: key.path,
    pid: h.pid(),
  }))
  process.stdout.write(`${JSON.stringify({ hosts: list })}\n`)
} catch (err) {
  process.stderr.write(`fake hosts: ${(err as Error).message}\n`)
  await cleanup()
  process.exit(1)
}
process.stdin.resume()
process.stdin.on('end', () => void cleanup().then(() => process.exit(0)))
