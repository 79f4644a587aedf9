import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LabError } from '../../../contract/errors'
import {
  importSshConfig,
  parseTargetSpec,
  resolveHostConfig,
  resolveTarget,
} from '../../../main/ssh'

// ssh_config(5) resolution as ssh(1) does it, from real files in a temporary home.
let home: string
const config = (): string => join(home, '.ssh', 'config')

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'replab-sshcfg-'))
  await mkdir(join(home, '.ssh', 'conf.d'), { recursive: true })
  await writeFile(
    config(),
    [
      'Include conf.d/*.conf',
      'Host lab-* !lab-bad',
      '  HostName %h.lab.example',
      '  User engineer',
      '  Port 2222',
      '  IdentityFile ~/.ssh/id_lab_%r_%h_%p',
      '  ProxyJump bastion',
      '  ServerAliveInterval 5',
      '  ServerAliveCountMax 2',
      '  ConnectTimeout 7',
      'Host bastion',
      '  HostName 10.0.0.1',
      '  User jumper',
      'Host deep',
      '  ProxyJump ops@j1:2201,j2',
      'Host j2',
      '  ProxyJump j0',
      'Host direct',
      '  ProxyJump none',
      'Host loop',
      '  ProxyJump loop',
      'Host *',
      '  User fallback',
      '',
    ].join('\n'),
  )
  await writeFile(
    join(home, '.ssh', 'conf.d', 'a.conf'),
    'Host inc-a\n  HostName 192.0.2.10\n  Port 2200\n',
  )
  await writeFile(join(home, '.ssh', 'conf.d', 'b.conf'), 'Host inc-b\n  HostName 192.0.2.11\n')
})

afterAll(async () => {
  await rm(home, { recursive: true, force: true })
})

describe('parseTargetSpec', () => {
  it('splits user@host:port, host and [v6]:port', () => {
    expect(parseTargetSpec('root@h:2222')).toEqual({ user: 'root', host: 'h', port: 2222 })
    expect(parseTargetSpec('h')).toEqual({ host: 'h' })
    expect(parseTargetSpec('u@[fe80::1]:22')).toEqual({ user: 'u', host: 'fe80::1', port: 22 })
  })

  it('rejects nonsense with invalid-request, never a crash', () => {
    for (const bad of ['', 'a b', 'u@h:99999', 'u@h:x', '@', 'u@:22']) {
      expect(() => parseTargetSpec(bad), bad).toThrow(
        expect.objectContaining({ code: 'invalid-request' }),
      )
    }
  })
})

describe('resolveTarget', () => {
  it('applies a matching Host block with tokens, ~ and keepalive/timeout values', async () => {
    const t = await resolveTarget('lab-7', { homeDir: home })
    expect(t).toMatchObject({
      alias: 'lab-7',
      host: 'lab-7.lab.example',
      user: 'engineer',
      port: 2222,
      keepaliveIntervalMs: 5000,
      keepaliveCountMax: 2,
      readyTimeoutMs: 7000,
      label: 'engineer@lab-7.lab.example:2222',
    })
    expect(t.identityFiles).toEqual([join(home, '.ssh', 'id_lab_engineer_lab-7.lab.example_2222')])
    expect(t.jumps.map((j) => j.label)).toEqual(['jumper@10.0.0.1:22'])
  })

  it('command-line values win: user@host:port, -i first, -J overrides ProxyJump', async () => {
    const t = await resolveTarget('root@lab-7:22', {
      homeDir: home,
      identityFile: '/k/id',
      jump: 'x@y:2',
    })
    expect(t.user).toBe('root')
    expect(t.port).toBe(22)
    expect(t.identityFiles[0]).toBe('/k/id')
    expect(t.jumps.map((j) => j.label)).toEqual(['x@y:2'])
  })

  it('negated patterns exclude a host; Host * supplies defaults', async () => {
    const t = await resolveTarget('lab-bad', { homeDir: home })
    expect(t).toMatchObject({
      host: 'lab-bad',
      user: 'fallback',
      port: 22,
      defaultIdentities: true,
    })
    expect(t.jumps).toEqual([])
    expect(t.keepaliveIntervalMs).toBe(15_000)
    expect(t.keepaliveCountMax).toBe(3)
  })

  it('expands Include globs relative to ~/.ssh', async () => {
    expect(await resolveTarget('inc-a', { homeDir: home })).toMatchObject({
      host: '192.0.2.10',
      port: 2200,
    })
    expect(await resolveTarget('inc-b', { homeDir: home })).toMatchObject({
      host: '192.0.2.11',
      port: 22,
    })
  })
})

describe('resolveTarget: jump chains and config files', () => {
  it('resolves ProxyJump chains, each hop through the config, nested jumps first', async () => {
    const t = await resolveTarget('deep', { homeDir: home })
    expect(t.jumps.map((j) => j.label)).toEqual(['ops@j1:2201', 'fallback@j0:22', 'fallback@j2:22'])
  })

  it('ProxyJump none and -J none disable jumping', async () => {
    expect((await resolveTarget('direct', { homeDir: home })).jumps).toEqual([])
    expect((await resolveTarget('lab-1', { homeDir: home, jump: 'none' })).jumps).toEqual([])
  })

  it('a ProxyJump loop is a typed error', async () => {
    const err = await resolveTarget('loop', { homeDir: home }).catch((e: unknown) => e as LabError)
    expect(err).toMatchObject({ code: 'invalid-request' })
  })

  it('-F replaces ~/.ssh/config; a missing default config is empty; null reads none', async () => {
    const f = join(home, 'other_config')
    await writeFile(f, 'Host lab-7\n  User other\n')
    expect((await resolveTarget('lab-7', { homeDir: home, configFile: f })).user).toBe('other')
    const empty = await mkdtemp(join(tmpdir(), 'replab-empty-'))
    expect((await resolveTarget('lab-7', { homeDir: empty, defaultUser: 'me' })).label).toBe(
      'me@lab-7:22',
    )
    expect(
      (await resolveTarget('lab-7', { homeDir: home, configFile: null, defaultUser: 'me' })).host,
    ).toBe('lab-7')
    await rm(empty, { recursive: true })
  })

  it('bad numbers in the config are parse-error', async () => {
    const f = join(home, 'bad_config')
    await writeFile(f, 'Host *\n  Port abc\n  ServerAliveInterval -1\n')
    const err = await resolveTarget('h', { homeDir: home, configFile: f }).catch(
      (e: unknown) => e as LabError,
    )
    expect(err).toMatchObject({ code: 'parse-error' })
  })

  it('resolves an inventory entry with its identity file and ProxyJump', async () => {
    const t = await resolveHostConfig(
      { host: 'lab-7', port: 22, user: 'root', identityFile: '/k/id', proxyJump: 'bastion' },
      { homeDir: home },
    )
    expect(t).toMatchObject({ label: 'root@lab-7.lab.example:22', keepaliveIntervalMs: 5000 })
    expect(t.identityFiles[0]).toBe('/k/id')
    expect(t.jumps.map((j) => j.label)).toEqual(['jumper@10.0.0.1:22'])
    const v6 = await resolveHostConfig(
      { host: 'fe80::1', port: 2222, user: 'u' },
      { configFile: null },
    )
    expect(v6.label).toBe('u@[fe80::1]:2222')
  })

  it('an unreadable -F file is io-error', async () => {
    const err = await resolveTarget('h', { homeDir: home, configFile: home }).catch(
      (e: unknown) => e as LabError,
    )
    expect(err).toMatchObject({ code: 'io-error' })
  })
})

describe('importSshConfig', () => {
  it('imports every concrete alias, resolved, and skips patterns and broken entries', async () => {
    const r = await importSshConfig(undefined, { homeDir: home })
    expect(r.hosts.map((h) => h.name)).toEqual([
      'inc-a',
      'inc-b',
      'bastion',
      'deep',
      'j2',
      'direct',
    ])
    expect(r.hosts.find((h) => h.name === 'inc-a')).toMatchObject({
      id: 'inc-a',
      host: '192.0.2.10',
      port: 2200,
      user: 'fallback',
    })
    expect(r.hosts.find((h) => h.name === 'deep')?.proxyJump).toBe('ops@j1:2201,j2')
    expect(r.hosts.find((h) => h.name === 'direct')?.proxyJump).toBeUndefined()
    expect(r.skipped.map((s) => s.alias)).toEqual(['loop'])
  })

  it('a missing file imports nothing', async () => {
    expect(await importSshConfig(join(home, 'nope'), { homeDir: home })).toEqual({
      hosts: [],
      skipped: [],
    })
  })
})
