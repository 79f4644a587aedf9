import { describe, expect, it } from 'vitest'

import type { HostSnapshot } from '../../../contract'
import { concernsDevice } from '../../../main/engine/snapshot-issues'
import { drillRequest, harness } from './harness'

// Issue 20: "The engine never reads snapshot.errors". A VF reset that really disturbed the PF
// (the fake's leaky reset re-creates the PF netdev) passed vf-reset-isolation when one hostile
// netdev made `ip -j -d addr show` and `devlink -j port show` unparseable: the snapshot's ports
// and netdevs came back empty, so the isolation check compared nothing. Now it cannot pass.

/** The host as discovery sees it when iproute2's JSON does not parse: no netdevs, no ports. */
function unparseable(s: HostSnapshot): HostSnapshot {
  const issue = (command: string) => ({
    code: 'parse-error' as const,
    host: 'root@127.0.0.1:2222',
    command,
    message: 'invalid JSON: Bad control character in string literal in JSON at position 483',
    excerpt: '"ifname":"a\x1b[2Kb","flags":["BROADCAST"',
    offset: 483,
  })
  return {
    ...s,
    netdevs: [],
    devices: s.devices.map((d) => ({ ...d, ports: [] })),
    errors: [issue('ip -j -d addr show'), issue('devlink -j port show')],
  }
}

describe('snapshot parse errors in drill steps', () => {
  it('the leaky VF reset passes no more when the snapshot did not parse: error, with evidence', async () => {
    const h = harness({ leakyReset: true })
    const real = h.host.snapshot.bind(h.host)
    h.host.snapshot = () => unparseable(real())
    const report = await h.engine.runDrill(drillRequest('vf-reset-isolation'))
    expect(report.status).toBe('error')
    const f = report.findings.find((x) => x.invariant === 'snapshot-unreadable')
    expect(f?.message).toBe(
      'output of ip -j -d addr show, devlink -j port show on root@127.0.0.1:2222 did not parse ' +
        "for pci/0000:08:00.0: the step's checks cannot be trusted",
    )
    expect(f?.evidence).toContain('Bad control character')
    expect(f?.evidence).toContain('\\u001b[2Kb') // the excerpt, JSON-escaped
    expect(report.steps[0]?.status).toBe('error')
  })

  it('only issues that can change what the device is checked on count', () => {
    const dev = 'pci/0000:08:00.0'
    expect(concernsDevice('ip -j -d addr show', dev)).toBe(true)
    expect(concernsDevice('devlink -j dev eswitch show pci/0000:08:00.0', dev)).toBe(true)
    expect(concernsDevice('devlink -j dev eswitch show pci/0000:09:00.0', dev)).toBe(false)
    expect(concernsDevice('discovery pcidev /sys/bus/pci/devices/0000:08:00.0', dev)).toBe(true)
    expect(concernsDevice('discovery pcidev /sys/bus/pci/devices/0000:09:00.0', dev)).toBe(false)
    expect(concernsDevice('cat /etc/os-release', dev)).toBe(false)
    expect(concernsDevice('lspci -D -nn -d 15b3:', dev)).toBe(false)
  })
})
