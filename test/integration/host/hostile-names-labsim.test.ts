import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startLab, type Lab } from '../../../labsim'
import { discover } from '../../../main/host/discover'
import type { SshConnection } from '../../../main/ssh'
import { connectSim } from '../../helpers/lab-engine'

const run = promisify(execFile)
const bin = join(__dirname, '../../../bin/replab.mjs')

// Issue 20, "Terminal hygiene": names that Linux accepts (any byte but `/`, `:`, NUL and
// whitespace, up to 15 bytes) reach replab over SSH from labsim, which prints them as iproute2
// 6.1 does (raw inside JSON). Every one must survive discovery byte for byte — a VF netdev whose
// name ends in `*` used to be dropped as if it were an unmatched glob — and reach a terminal
// escaped: `\e[9A\e[J` fits IFNAMSIZ and would erase the lines above a confirmation question.

const ERASE = '\x1b[9A\x1b[J'

describe('hostile interface names from labsim', () => {
  let lab: Lab
  let dir: string
  let conn: SshConnection

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, profile: 'fixed', speed: 0.02 })
    dir = await mkdtemp(join(tmpdir(), 'replab-names-'))
    conn = await connectSim(lab, 'sim-a', join(dir, 'known_hosts'))
    const sh = async (command: string): Promise<void> => {
      const r = await conn.exec(command, { timeoutMs: 30_000 })
      expect(r.code, `${command}: ${r.stderr}`).toBe(0)
    }
    await sh('echo 3 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
    await sh(`ip link set dev enp8s0f0v0 name "$(printf '\\033[9A\\033[J')"`)
    await sh("ip link set dev enp8s0f0v1 name 'v1*'")
    await sh(`ip link set dev enp8s0f0v2 name 'q"\\u'`)
  })
  afterAll(async () => {
    conn?.close()
    await lab?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('every name survives discovery, from sysfs and from ip -j, with no parse error', async () => {
    const s = await discover(conn, { hostName: 'sim-a', timeoutMs: 30_000 })
    expect(s.errors ?? []).toEqual([])
    const vfs = s.devices.find((d) => d.handle === 'pci/0000:08:00.0')?.pci?.vfs ?? []
    expect(vfs.map((v) => v.netdev)).toEqual([ERASE, 'v1*', 'q"\\u'])
    const names = (s.netdevs ?? []).map((n) => n.ifname)
    expect(names).toEqual(expect.arrayContaining([ERASE, 'v1*', 'q"\\u']))
  }, 60_000)

  it('the CLI prints them escaped: no control byte reaches the terminal', async () => {
    const h = lab.hosts[0]!
    const args = [
      bin,
      'op',
      `root@127.0.0.1:${h.port}`,
      'pci-reset',
      '0000:08:00.2',
      '--dry-run',
      '-i',
      h.identityFile,
      '--known-hosts',
      join(dir, 'known_hosts'),
      '--accept-new',
      '--data-dir',
      dir,
    ]
    const r = await run(process.execPath, args, { timeout: 60_000 })
    expect(r.stdout).toContain('vf 0000:08:00.2 (\\e[9A\\e[J)')
    // eslint-disable-next-line no-control-regex -- asserting the absence of control bytes
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/)
  }, 60_000)
})
