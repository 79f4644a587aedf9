import { describe, expect, it } from 'vitest'

import {
  copyIdFor,
  HostConfig,
  hostAddressProblem,
  isReadOnlyOperation,
  type OperationRequest,
} from '../../contract'

describe('host addresses (contract/host-address.ts)', () => {
  it('accepts IPv4, IPv6 and DNS names', () => {
    for (const ok of [
      '10.0.0.9',
      '0.0.0.0',
      '255.255.255.255',
      'lab-01',
      'lab-01.example.net',
      'lab_01.example.net.',
      '::1',
      'fe80::1',
      '2001:db8::8a2e:370:7334',
      '::ffff:192.0.2.1',
      '1:2:3:4:5:6:7:8',
    ])
      expect(hostAddressProblem(ok), ok).toBeNull()
  })

  it('refuses out-of-range octets, short quads and malformed names with a precise message', () => {
    expect(hostAddressProblem('10.0.0.999')).toBe(
      '10.0.0.999 is not a valid IPv4 address: 999 is not a number from 0 to 255',
    )
    expect(hostAddressProblem('10.0.0')).toMatch(/not a valid IPv4 address \(four numbers/)
    expect(hostAddressProblem('010.0.0.1')).toMatch(/010 is not a number/)
    expect(hostAddressProblem('a..b')).toMatch(/empty label/)
    expect(hostAddressProblem('-lab.example')).toMatch(/not a valid host name/)
    expect(hostAddressProblem('1:2:3:4:5:6:7:8:9')).toMatch(/not a valid IPv6/)
    expect(hostAddressProblem('1::2::3')).toMatch(/not a valid IPv6/)
    expect(hostAddressProblem('')).toBe('an address is required')
    expect(hostAddressProblem('a'.repeat(254))).toMatch(/longer than 253/)
  })

  it('is what the HostConfig schema enforces, so the back end refuses the same input', () => {
    const base = { id: 'h', name: 'h', port: 22, user: 'root' }
    expect(HostConfig.safeParse({ ...base, host: '10.0.0.99' }).success).toBe(true)
    const bad = HostConfig.safeParse({ ...base, host: '10.0.0.999' })
    expect(bad.success).toBe(false)
    expect(bad.error?.issues[0]?.message).toMatch(/999 is not a number from 0 to 255/)
    expect(HostConfig.safeParse({ ...base, host: '$(id)' }).success).toBe(false)
  })
})

describe('copy ids and read-only operations', () => {
  it('names copies -copy, -copy-2, … within 64 characters', () => {
    expect(copyIdFor('lab-01', new Set())).toBe('lab-01-copy')
    expect(copyIdFor('lab-01', new Set(['lab-01-copy', 'lab-01-copy-2']))).toBe('lab-01-copy-3')
    expect(copyIdFor('x'.repeat(64), new Set())).toHaveLength(64)
  })

  it('treats only diagnose, dump, crdump and mlxconfig query as read-only', () => {
    const d = 'pci/0000:08:00.0'
    const reads: OperationRequest[] = [
      { op: 'health', device: d, reporter: 'fw', action: 'diagnose' },
      { op: 'health', device: d, reporter: 'fw_fatal', action: 'dump' },
      { op: 'crdump', device: d },
      { op: 'mlxconfig', bdf: '0000:08:00.0', action: 'query' },
    ]
    const writes: OperationRequest[] = [
      { op: 'health', device: d, reporter: 'fw', action: 'recover' },
      { op: 'mlxconfig', bdf: '0000:08:00.0', action: 'set', swRecoveryOnErrors: true },
      { op: 'eswitch-mode', device: d, mode: 'switchdev' },
      { op: 'fw-tracer', enable: false },
      { op: 'pci-bind', bdf: '0000:08:00.0', driver: 'mlx5_core' },
    ]
    expect(reads.map(isReadOnlyOperation)).toEqual(reads.map(() => true))
    expect(writes.map(isReadOnlyOperation)).toEqual(writes.map(() => false))
  })
})
