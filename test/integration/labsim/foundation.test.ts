import type { Client } from 'ssh2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Lab } from '../../../labsim/index'
import { startLab } from '../../../labsim/index'
import { connect, exec } from './ssh-helpers'

// Issue 2 item 4 / issue 3: the first usable labsim over real SSH (ssh2 client).
let lab: Lab
let client: Client
beforeAll(async () => {
  lab = await startLab({ hosts: 1, speed: 0.005 })
  client = await connect(lab.hosts[0]!)
})
afterAll(async () => {
  client?.end()
  await lab?.stop()
})

describe('labsim over SSH (issue 2 §4)', () => {
  it('reports connection details in the docs/design.md shape', () => {
    const info = lab.hosts[0]!
    expect(info).toMatchObject({ name: 'sim-a', host: '127.0.0.1', user: 'root' })
    expect(info.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
  })

  it('starts in legacy with both PFs of a ConnectX-6 Dx (docs/domain.md §1.1)', async () => {
    const dev = await exec(client, 'devlink -j dev show')
    expect(JSON.parse(dev.stdout).dev).toEqual({
      'pci/0000:08:00.0': {},
      'pci/0000:08:00.1': {},
      'netdevsim/netdevsim10': {},
    })
    const esw = await exec(client, 'devlink -j dev eswitch show pci/0000:08:00.0')
    expect(esw.stdout).toBe(
      '{"dev":{"pci/0000:08:00.0":{"mode":"legacy","inline-mode":"none","encap-mode":"basic"}}}\n',
    )
  })

  it('switches PF0 to switchdev with 4 VFs and shows the uplink and 4 pcivf ports (docs/domain.md §1.4, §2.2)', async () => {
    const set = await exec(
      client,
      'echo 4 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs && devlink dev eswitch set pci/0000:08:00.0 mode switchdev',
    )
    expect(set).toMatchObject({ code: 0, stderr: '' })
    const ports = JSON.parse(
      (await exec(client, 'devlink -j port show pci/0000:08:00.0')).stdout,
    ).port
    expect(Object.keys(ports)).toEqual([
      'pci/0000:08:00.0/1',
      'pci/0000:08:00.0/2',
      'pci/0000:08:00.0/3',
      'pci/0000:08:00.0/4',
      'pci/0000:08:00.0/65535',
    ])
    expect(ports['pci/0000:08:00.0/65535']).toEqual({
      type: 'eth',
      netdev: 'enp8s0f0np0',
      flavour: 'physical',
      port: 0,
      splittable: false,
    })
    expect(ports['pci/0000:08:00.0/3']).toMatchObject({
      netdev: 'enp8s0f0npf0vf2',
      flavour: 'pcivf',
      pfnum: 0,
      vfnum: 2,
    })
  })

  it('refuses N→M VFs without 0 with the PCI core error as bash prints it (docs/domain.md §1.3)', async () => {
    const r = await exec(client, 'echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
    expect(r.code).toBe(1)
    expect(r.stderr).toBe('bash: line 1: echo: write error: Device or resource busy\n')
  })
})

describe('labsim streams and errors over SSH (issue 2 §4)', () => {
  it('streams mlx5_fw trace lines while an operation runs (docs/domain.md §3.1)', async () => {
    const lines: string[] = []
    await new Promise<void>((resolve, reject) => {
      client.exec('cat /sys/kernel/debug/tracing/trace_pipe', (err, stream) => {
        if (err) return reject(err)
        stream.on('data', (d: Buffer) => {
          lines.push(...d.toString().split('\n').filter(Boolean))
          if (lines.some((l) => l.includes('FLR on VF 0'))) stream.close()
        })
        stream.on('close', () => resolve())
        void exec(client, 'echo 1 > /sys/bus/pci/devices/0000:08:00.2/reset')
      })
    })
    const flr = lines.find((l) => l.includes('FLR on VF 0'))
    expect(flr).toMatch(
      /^ +kworker\/u96:2-1234 +\[003\] \.\.\.\.\. +\d+\.\d{6}: mlx5_fw: 0000:08:00\.0 \[0x[0-9a-f]+\] 0 \[0x0\] FLR on VF 0/,
    )
  })

  it('answers unknown commands with 127', async () => {
    const r = await exec(client, 'frobnicate --now')
    expect(r).toMatchObject({ code: 127, stderr: 'bash: line 1: frobnicate: command not found\n' })
  })
})
