import { spawn } from 'node:child_process'
import { mkdtemp, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { describe, expect, it } from 'vitest'
import type { LabHostInfo } from '../../../labsim/index'
import { connect, exec } from './ssh-helpers'

const cli = new URL('../../../labsim/cli.ts', import.meta.url).pathname

describe('labsim/cli.ts (issue 3 "CLI and test API")', () => {
  it('prints one JSON line, serves, and exits 0 on SIGTERM', async () => {
    const keyDir = await mkdtemp(join(tmpdir(), 'labsim-cli-'))
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        cli,
        '--hosts',
        '2',
        '--profile',
        'pre-series',
        '--speed',
        '0.01',
        '--key-dir',
        keyDir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    )
    const line = await new Promise<string>((resolve) =>
      createInterface({ input: child.stdout }).once('line', resolve),
    )
    const { hosts } = JSON.parse(line) as { hosts: LabHostInfo[] }
    expect(hosts.map((h) => h.name)).toEqual(['sim-a', 'sim-b'])
    expect(hosts[0]!.identityFile).toBe(join(keyDir, 'id_ed25519'))
    expect((await stat(hosts[0]!.identityFile)).mode & 0o777).toBe(0o600)
    const client = await connect(hosts[1]!)
    expect((await exec(client, 'hostname; uname -r')).stdout).toBe('sim-b\n6.12.0-replab\n')
    client.end()
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })

  it('rejects a bad profile with exit 2 and a message', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, '--profile', 'nope'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    expect(code).toBe(2)
    expect(stderr).toContain('--profile')
  })
})
