import { execFile } from 'node:child_process'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import type { Lab } from '../../../labsim/index'
import { startLab } from '../../../labsim/index'
import { requireSystemDeps } from '../../helpers/system-deps'
import { connect, exec } from './ssh-helpers'

const run = promisify(execFile)
const labs: Lab[] = []
afterAll(async () => {
  await Promise.all(labs.map((l) => l.stop()))
})

describe('scale (issue 3 "Tests")', () => {
  it('50 hosts in one process each answer devlink -j port show with 127 VFs in switchdev', async () => {
    const lab = await startLab({
      hosts: 50,
      speed: 0.0002,
      scenario: {
        hosts: Array.from({ length: 50 }, () => ({
          cards: [{ ports: 1, totalVfs: 127 }],
          netdevsim: false,
        })),
      },
    })
    labs.push(lab)
    const counts = await Promise.all(
      lab.hosts.map(async (info) => {
        const client = await connect(info)
        const setup = await exec(
          client,
          'echo 0 > /sys/bus/pci/devices/0000:08:00.0/sriov_drivers_autoprobe && echo 127 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs && devlink dev eswitch set pci/0000:08:00.0 mode switchdev',
        )
        const ports = JSON.parse((await exec(client, 'devlink -j port show')).stdout)
          .port as Record<string, { flavour: string }>
        client.end()
        return {
          code: setup.code,
          vfs: Object.values(ports).filter((p) => p.flavour === 'pcivf').length,
          total: Object.keys(ports).length,
        }
      }),
    )
    expect(counts).toEqual(Array.from({ length: 50 }, () => ({ code: 0, vfs: 127, total: 128 })))
  }, 60_000)
})

describe('real OpenSSH client (issue 3 "Done when")', () => {
  it('ssh -p PORT -i KEY root@127.0.0.1 "devlink -j port show" gets iproute2-shaped output; host key matches', async () => {
    const lab = await startLab({ hosts: 1, speed: 0.01 })
    labs.push(lab)
    requireSystemDeps(['ssh', 'ssh-keygen'])
    const info = lab.hosts[0]!
    const dir = await mkdtemp(join(tmpdir(), 'labsim-kh-'))
    const knownHosts = join(dir, 'known_hosts')
    const args = [
      '-p',
      String(info.port),
      '-i',
      info.identityFile,
      '-o',
      `UserKnownHostsFile=${knownHosts}`,
      '-o',
      'StrictHostKeyChecking=accept-new',
      '-o',
      'BatchMode=yes',
      '-o',
      'IdentitiesOnly=yes',
      'root@127.0.0.1',
    ]
    const { stdout } = await run('/usr/bin/ssh', [...args, 'devlink -j port show'])
    expect(stdout).toBe(
      '{"port":{"pci/0000:08:00.0/65535":{"type":"eth","netdev":"enp8s0f0np0","flavour":"physical","port":0,"splittable":false},"pci/0000:08:00.1/131071":{"type":"eth","netdev":"enp8s0f1np1","flavour":"physical","port":1,"splittable":false},"netdevsim/netdevsim10/0":{"type":"eth","netdev":"eni10np1","flavour":"physical","port":1,"splittable":false}}}\n',
    )
    const { stdout: fp } = await run('ssh-keygen', ['-l', '-f', knownHosts])
    expect(fp.split(' ')[1]).toBe(info.hostKeyFingerprint)
    const failed = await run('/usr/bin/ssh', [...args, 'exit 3']).catch(
      (e: { code: number }) => e.code,
    )
    expect(failed).toBe(3)
    expect(
      (await readFile(info.identityFile, 'utf8')).startsWith('-----BEGIN OPENSSH PRIVATE KEY-----'),
    ).toBe(true)
  })
})
