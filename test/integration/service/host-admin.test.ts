import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import type { HostConfig, HostView, OperationResult } from '../../../contract'
import { useTerminalRig } from '../../helpers/terminal-rig'

// Issue 18's back end over the real dispatcher, labsim and SSH: hosts are edited, duplicated and
// removed (persisted to hosts.json), an address like 10.0.0.999 is refused, ssh_config text is
// imported, read-only operations run on a read-only host, and a connected host whose address
// changes is disconnected.

const HOST = 'sim-a'
const real: HostConfig = {
  id: 'rack-c1',
  name: 'C1',
  host: 'lab-c1.example.net',
  port: 2222,
  user: 'root',
  identityFile: '/keys/lab_ed25519',
  proxyJump: 'admin@bastion.example.net:2200',
  auth: 'publickey',
  group: 'rack-c',
  readOnly: false,
  simulated: false,
}

describe('host management and read-only operations', () => {
  const rig = useTerminalRig({ hosts: 1, speed: 0.02 }, HOST)
  const saved = async (): Promise<HostConfig[]> =>
    (JSON.parse(await readFile(join(rig.dataDir, 'hosts.json'), 'utf8')) as { hosts: HostConfig[] })
      .hosts

  it('adds, edits, duplicates and removes a host, persisting each step', async () => {
    await rig.call('hosts:add', real)
    const edited = await rig.call<HostView>('hosts:update', {
      hostId: 'rack-c1',
      config: { ...real, name: 'C1 (rebuilt)', group: 'rack-d', auth: 'agent' },
    })
    expect(edited.config).toMatchObject({ name: 'C1 (rebuilt)', group: 'rack-d', auth: 'agent' })
    expect((await saved()).find((h) => h.id === 'rack-c1')).toMatchObject({
      group: 'rack-d',
      proxyJump: 'admin@bastion.example.net:2200',
      identityFile: '/keys/lab_ed25519',
    })
    const copy = await rig.call<HostView>('hosts:duplicate', { hostId: 'rack-c1' })
    expect(copy.config).toMatchObject({
      id: 'rack-c1-copy',
      name: 'C1 (rebuilt) (copy)',
      port: 2222,
    })
    expect(copy.connection.state).toBe('idle')
    const second = await rig.call<HostView>('hosts:duplicate', { hostId: 'rack-c1' })
    expect(second.config.id).toBe('rack-c1-copy-2')
    await rig.call('hosts:remove', { hostId: 'rack-c1-copy' })
    expect((await saved()).map((h) => h.id).sort()).toEqual(['rack-c1', 'rack-c1-copy-2'])
    const views = await rig.call<HostView[]>('hosts:list', {})
    expect(views.map((v) => v.config.id)).toContain(HOST)
  })

  it('refuses an invalid address, an id change and an existing copy id, naming the problem', async () => {
    const bad = await rig.backend.dispatcher.dispatch(
      'hosts:add',
      { ...real, id: 'bad-01', host: '10.0.0.999' },
      { sessionId: 's1', signal: new AbortController().signal },
    )
    expect(bad.ok).toBe(false)
    if (!bad.ok) {
      expect(bad.error.code).toBe('invalid-request')
      expect(bad.error.detail).toMatch(/10\.0\.0\.999 is not a valid IPv4 address/)
    }
    await expect(
      rig.call('hosts:update', { hostId: 'rack-c1', config: { ...real, id: 'other' } }),
    ).rejects.toThrow(/invalid-request: host ids cannot change/)
    await expect(
      rig.call('hosts:duplicate', { hostId: 'rack-c1', newId: 'rack-c1-copy-2' }),
    ).rejects.toThrow(/already exists/)
    await expect(
      rig.call('hosts:update', { hostId: 'nope', config: { ...real, id: 'nope' } }),
    ).rejects.toThrow(/not-found/)
  })

  it('imports the concrete hosts of ssh_config text, with jump hosts', async () => {
    const found = await rig.call<HostConfig[]>('hosts:import-ssh-config-text', {
      text: 'Host imp-1\n  HostName 10.1.2.3\n  User root\n  Port 2201\n  ProxyJump root@10.1.2.1\nHost imp-*\n  User nobody\n',
    })
    expect(found).toEqual([
      expect.objectContaining({
        id: 'imp-1',
        host: '10.1.2.3',
        port: 2201,
        user: 'root',
        proxyJump: 'root@10.1.2.1:22',
      }),
    ])
  })

  it('runs diagnose and crdump on a read-only host, and still refuses a mutating operation', async () => {
    await rig.call('hosts:set-read-only', { hostId: HOST, readOnly: true })
    const device = 'pci/0000:08:00.0'
    const diag = await rig.call<OperationResult>('ops:run', {
      hostId: HOST,
      request: { op: 'health', device, reporter: 'fw', action: 'diagnose' },
      confirmed: true,
    })
    expect(diag.status).toBe('ok')
    const dump = await rig.call<OperationResult>('ops:run', {
      hostId: HOST,
      request: { op: 'crdump', device },
      confirmed: true,
    })
    expect(dump.status).toBe('ok')
    expect(dump.output?.length).toBeGreaterThan(0)
    await expect(
      rig.call('ops:run', {
        hostId: HOST,
        request: { op: 'health', device, reporter: 'fw', action: 'recover' },
        confirmed: true,
      }),
    ).rejects.toThrow(/read-only/)
    await rig.call('hosts:set-read-only', { hostId: HOST, readOnly: false })
  })

  it('disconnects a connected host whose auth method changes; a name change keeps it connected', async () => {
    const view = async () =>
      (await rig.call<HostView[]>('hosts:list', {})).find((h) => h.config.id === HOST)!
    const before = await view()
    expect(before.connection.state).toBe('ready')
    await rig.call('hosts:update', { hostId: HOST, config: { ...before.config, name: 'Sim A' } })
    expect((await view()).connection.state).toBe('ready')
    // A simulated host keeps labsim's address, port and user whatever the editor sends.
    const kept = await rig.call<HostView>('hosts:update', {
      hostId: HOST,
      config: { ...before.config, host: '10.9.9.9' },
    })
    expect(kept.config.host).toBe(before.config.host)
    await rig.call('hosts:update', { hostId: HOST, config: { ...before.config, auth: 'agent' } })
    expect((await view()).connection.state).toBe('idle')
    await rig.call('hosts:update', { hostId: HOST, config: before.config })
  })

  it('keeps a disconnected host disconnected until Connect (nothing reconnects it behind the user)', async () => {
    await rig.call('hosts:connect', { hostId: HOST })
    await rig.call('hosts:disconnect', { hostId: HOST })
    await expect(rig.call('snapshot:get', { hostId: HOST, fresh: true })).rejects.toThrow(
      /ssh-connect: sim-a was disconnected by the user/,
    )
    await rig.call('hosts:connect', { hostId: HOST })
    const snap = await rig.call<{ devices: unknown[] }>('snapshot:get', {
      hostId: HOST,
      fresh: true,
    })
    expect(snap.devices.length).toBeGreaterThan(0)
  })
})
