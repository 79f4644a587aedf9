import { describe, expect, it } from 'vitest'

import {
  emptyFields,
  fieldsOf,
  jumpProblem,
  parseHostFields,
  parseQuickConnect,
  quickConnectId,
} from '../../../renderer/features/hosts/host-form'
import { hostKeyFile, jumpHostOf } from '../../../renderer/features/hosts/host-key-text'

describe('the host editor form', () => {
  it('names the address problem on the address field only', () => {
    const r = parseHostFields({ ...emptyFields, id: 'bad', host: '10.0.0.999', user: 'root' })
    expect(r).toEqual({
      errors: { host: '10.0.0.999 is not a valid IPv4 address: 999 is not a number from 0 to 255' },
    })
  })

  it('keeps jump host, identity, auth and group, and round-trips through fieldsOf', () => {
    const f = {
      ...emptyFields,
      id: 'c1',
      host: 'lab-c1.example.net',
      port: '2222',
      user: 'root',
      identityFile: '/keys/k',
      proxyJump: 'admin@bastion:2200,jump2',
      auth: 'publickey',
      group: 'rack-c',
    }
    const r = parseHostFields(f)
    expect(r).toEqual({
      config: {
        id: 'c1',
        name: 'c1',
        host: 'lab-c1.example.net',
        port: 2222,
        user: 'root',
        identityFile: '/keys/k',
        proxyJump: 'admin@bastion:2200,jump2',
        auth: 'publickey',
        group: 'rack-c',
      },
    })
    if (!('config' in r)) throw new Error('invalid')
    expect(fieldsOf(r.config)).toEqual({ ...f, name: 'c1' })
    expect(fieldsOf(r.config, 'c1-copy', 'C1 (copy)').id).toBe('c1-copy')
  })

  it('checks every hop of a jump chain', () => {
    expect(jumpProblem('root@10.0.0.1:22,bastion')).toBeNull()
    expect(jumpProblem('root@10.0.0.999')).toMatch(/^jump host 10\.0\.0\.999 is not a valid IPv4/)
    expect(jumpProblem('a@b:70000')).toMatch(/port 70000/)
    expect(jumpProblem('a b')).toMatch(/not \[user@\]host\[:port\]/)
    const r = parseHostFields({
      ...emptyFields,
      id: 'j',
      host: '10.0.0.1',
      user: 'root',
      proxyJump: 'x y',
    })
    expect('errors' in r && Object.keys(r.errors)).toEqual(['proxyJump'])
  })
})

describe('quick connect', () => {
  it('parses user@host:port, bare hosts, IPv6 and an ssh prefix', () => {
    expect(parseQuickConnect('admin@10.0.0.5:2222')).toEqual({
      user: 'admin',
      host: '10.0.0.5',
      port: 2222,
    })
    expect(parseQuickConnect('lab-01')).toEqual({ user: 'root', host: 'lab-01', port: 22 })
    expect(parseQuickConnect('ssh root@[fe80::1]:22')).toEqual({
      user: 'root',
      host: 'fe80::1',
      port: 22,
    })
  })

  it('refuses bad addresses, ports and users', () => {
    expect(parseQuickConnect('root@10.0.0.999')).toEqual({
      error: '10.0.0.999 is not a valid IPv4 address: 999 is not a number from 0 to 255',
    })
    expect(parseQuickConnect('root@h:0')).toEqual({ error: 'port 0 is not from 1 to 65535' })
    expect(parseQuickConnect('$(id)@h')).toEqual({ error: '"$(id)" is not a user name' })
    expect(parseQuickConnect('a@b@c')).toHaveProperty('error')
  })

  it('makes ids that are valid and unique', () => {
    expect(quickConnectId('10.0.0.5', 22, new Set())).toBe('10.0.0.5-22')
    expect(quickConnectId('10.0.0.5', 22, new Set(['10.0.0.5-22']))).toBe('10.0.0.5-22-2')
    expect(quickConnectId('fe80::1', 22, new Set())).toBe('fe80--1-22')
  })
})

describe('host-key dialog text', () => {
  const prompt = { host: '127.0.0.1', port: 2200, hop: 'root@127.0.0.1:2200' }
  it("names a jump host only when the host has one and the key is not the target's", () => {
    expect(jumpHostOf(prompt, { host: '127.0.0.1', port: 2200 })).toBeNull()
    expect(jumpHostOf(prompt, { host: '127.0.0.1', port: 2200, proxyJump: 'j@b' })).toBeNull()
    expect(
      jumpHostOf(
        { host: 'bastion', port: 22, hop: 'j@bastion:22' },
        { host: '10.0.0.5', port: 22, proxyJump: 'j@bastion' },
      ),
    ).toBe('j@bastion:22')
    expect(
      jumpHostOf({ host: 'other', port: 22, hop: 'x@other:22' }, { host: '10.0.0.5', port: 22 }),
    ).toBeNull()
  })

  it('prints the real host key file for each key type', () => {
    expect(hostKeyFile('ssh-ed25519')).toBe('/etc/ssh/ssh_host_ed25519_key.pub')
    expect(hostKeyFile('ssh-rsa')).toBe('/etc/ssh/ssh_host_rsa_key.pub')
    expect(hostKeyFile('rsa-sha2-512')).toBe('/etc/ssh/ssh_host_rsa_key.pub')
    expect(hostKeyFile('ecdsa-sha2-nistp256')).toBe('/etc/ssh/ssh_host_ecdsa_key.pub')
    expect(hostKeyFile('ssh-dss')).toBe('/etc/ssh/ssh_host_dsa_key.pub')
  })
})
