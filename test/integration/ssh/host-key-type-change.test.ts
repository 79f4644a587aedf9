import { execFile } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { HostKeyPrompt, LabError } from '../../../contract'
import { EventHub } from '../../../main/service/event-hub'
import { HostSessions } from '../../../main/service/host-sessions'
import { Inventory } from '../../../main/service/inventory'
import { connectHost, fingerprintSha256, resolveTarget } from '../../../main/ssh'
import { authorize, makeKey, pubBlob, removeDir, startSshd, type Sshd } from '../../helpers/sshd'
import { requireSystemDeps } from '../../helpers/system-deps'

const run = promisify(execFile)

// Issue 20, "Trust": a host on record with its ed25519 key that now offers only an ECDSA key
// was treated as unknown, and with --accept-new trusted and recorded. OpenSSH 9.2 refuses it
// (`REMOTE HOST IDENTIFICATION HAS CHANGED`, offending ED25519 key); so does replab, and the
// console shows the refusal. The sshd below is Debian's real OpenSSH, holding both host keys
// but offering only ECDSA (`HostKeyAlgorithms`), as a reinstalled or impersonated host would.
describe('a known host whose key type changed (OpenSSH sshd)', () => {
  let sshd: Sshd
  let dir: string
  let key: { path: string; pub: string }
  let recorded: string

  beforeAll(async () => {
    requireSystemDeps(['root', 'sshd', 'ssh-keygen', 'ssh'])
    dir = await mkdtemp(join(tmpdir(), 'replab-hk-type-'))
    key = await makeKey(dir, 'id')
    sshd = await startSshd({
      ecdsaHostKey: true,
      config: ['HostKeyAlgorithms ecdsa-sha2-nistp256'],
    })
    await authorize(sshd, key.pub)
    // What an earlier connection recorded: the host's ed25519 key.
    recorded = `[127.0.0.1]:${sshd.port} ${sshd.hostPub}\n`
  })
  afterAll(async () => {
    await sshd?.stop()
    await removeDir(dir)
  })

  it('OpenSSH 9.2 itself refuses it, even with accept-new', async () => {
    const file = join(dir, 'kh-openssh')
    await writeFile(file, recorded)
    const err = await run('ssh', [
      ...['-o', `UserKnownHostsFile=${file}`, '-o', 'GlobalKnownHostsFile=/dev/null'],
      ...['-o', 'StrictHostKeyChecking=accept-new', '-o', 'BatchMode=yes'],
      ...['-i', key.path, '-p', String(sshd.port), 'root@127.0.0.1', 'true'],
    ]).catch((e: { code: number; stderr: string }) => e)
    expect((err as { code: number }).code).toBe(255)
    expect((err as { stderr: string }).stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED')
    expect((err as { stderr: string }).stderr).toContain('Offending ED25519 key')
  })

  it('replab refuses it with accept-new, naming both keys, and records nothing', async () => {
    const file = join(dir, 'kh-replab')
    await writeFile(file, recorded)
    const target = await resolveTarget(`root@127.0.0.1:${sshd.port}`, {
      configFile: null,
      identityFile: key.path,
      homeDir: dir,
    })
    const err = (await connectHost(target, {
      knownHosts: { file, userFile: null },
      hostKeyPolicy: 'accept-new',
      auth: { agent: null },
      reconnect: false,
    }).then(
      (c) => (c.close(), undefined),
      (e: unknown) => e,
    )) as LabError | undefined
    expect(err?.code).toBe('ssh-hostkey-changed')
    expect(err?.message).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED')
    expect(err?.message).toContain(
      `ecdsa-sha2-nistp256 ${fingerprintSha256(pubBlob(sshd.ecdsaHostPub ?? ''))}`,
    )
    expect(err?.message).toContain(`ssh-ed25519 ${fingerprintSha256(pubBlob(sshd.hostPub))}`)
    expect(err?.message).toContain(`${file}:1`)
    expect(await readFile(file, 'utf8')).toBe(recorded)
    // refused during key exchange: sshd never saw an authentication attempt
    expect(sshd.log()).not.toMatch(/Accepted publickey/)
  })

  it('the console shows the changed-key refusal: a hostKeyPrompt with both key types', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'replab-hk-console-'))
    const hub = new EventHub()
    const prompts: HostKeyPrompt[] = []
    hub.attach({
      sessionId: 'test',
      send: (channel, payload) => {
        if (channel === 'hosts:host-key-prompt') prompts.push(payload as HostKeyPrompt)
      },
      sendData: () => {},
    })
    const inventory = new Inventory(join(dataDir, 'hosts.json'))
    await inventory.load()
    await inventory.put({
      id: 'moved',
      name: 'moved',
      host: '127.0.0.1',
      port: sshd.port,
      user: 'root',
      identityFile: key.path,
      readOnly: false,
      simulated: false,
    })
    await writeFile(join(dataDir, 'known_hosts'), recorded)
    const sessions = new HostSessions(inventory, hub, dataDir)
    try {
      await expect(sessions.connect('moved')).rejects.toMatchObject({ code: 'ssh-hostkey-changed' })
      expect(prompts).toHaveLength(1)
      expect(prompts[0]).toMatchObject({
        hostId: 'moved',
        status: 'changed',
        keyType: 'ecdsa-sha2-nistp256',
        knownKeyType: 'ssh-ed25519',
        knownFingerprint: fingerprintSha256(pubBlob(sshd.hostPub)),
        knownLocation: `${join(dataDir, 'known_hosts')}:1`,
      })
      expect(sessions.view('moved').connection).toMatchObject({
        state: 'failed',
        code: 'ssh-hostkey-changed',
      })
      // Closing the dialog answers the prompt (nothing is trusted).
      expect(() => sessions.answerHostKey(prompts[0]!.promptId, false)).not.toThrow()
      expect(await readFile(join(dataDir, 'known_hosts'), 'utf8')).toBe(recorded)
    } finally {
      sessions.closeAll()
      await removeDir(dataDir)
    }
  })
})
