import { describe, expect, it } from 'vitest'

import { calls, callsByChannel, HostConfig, OperationRequest } from '../../contract'

describe('contract', () => {
  it('declares every channel once as <domain>:<verb>', () => {
    const channels = [...callsByChannel().keys()]
    expect(new Set(channels).size).toBe(channels.length)
    for (const c of channels) expect(c).toMatch(/^[a-z]+:[a-z-]+$/)
    expect(calls.ops.run.mutating).toBe(true)
  })

  it('rejects hostile identifiers before they can reach a shell', () => {
    for (const bad of ['; rm -rf /', '$(reboot)', '`id`', '0000:08:00.0\nreboot', "x' || true"]) {
      expect(OperationRequest.safeParse({ op: 'pci-reset', bdf: bad }).success).toBe(false)
      expect(OperationRequest.safeParse({ op: 'vf-count', device: bad, count: 1 }).success).toBe(
        false,
      )
      expect(HostConfig.safeParse({ id: 'a', name: 'a', host: bad, user: 'root' }).success).toBe(
        false,
      )
    }
    expect(OperationRequest.parse({ op: 'pci-reset', bdf: '0000:08:00.2' })).toEqual({
      op: 'pci-reset',
      bdf: '0000:08:00.2',
    })
  })
})
