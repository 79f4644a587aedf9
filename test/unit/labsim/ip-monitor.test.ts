import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { testHost } from './sim'

/**
 * labsim's `ip -j monitor link` against the real iproute2 6.1 capture
 * (test/fixtures/hostile/ip_j_monitor_link_events.txt): text records, not JSON, even with `-j`.
 */

const HEADER = /^(Deleted )?\d+: [^:]+: <[A-Z_,-]*> mtu \d+ qdisc \S+ state [A-Z]+ group default $/
const LINK = /^ {4}link\/ether [0-9a-f]{2}(:[0-9a-f]{2}){5} brd ff:ff:ff:ff:ff:ff$/

/** Every line of a monitor output is a record header or its `link/` line, in pairs. */
function shapes(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l, i) => (i % 2 === 0 ? (HEADER.test(l) ? 'header' : l) : LINK.test(l) ? 'link' : l))
}

describe('ip monitor link prints what iproute2 6.1 prints', () => {
  it('the shapes hold for the real capture (so the check below is anchored to reality)', async () => {
    const file = join(__dirname, '../../fixtures/hostile/ip_j_monitor_link_events.txt')
    const body = (await readFile(file, 'utf8')).split('\n').slice(3).join('\n')
    // veth names carry `@peer`; the capture's records are otherwise the same shape.
    const records = shapes(body)
    expect(records.length).toBe(20)
    expect(new Set(records)).toEqual(new Set(['header', 'link']))
  })

  it('labsim prints text records of the same shape for -j, new and deleted links alike', async () => {
    const { run, start } = testHost()
    const mon = start('ip -j monitor link')
    await run('echo 2 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
    await run('ip link set dev enp8s0f0v0 up')
    await run('echo 0 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs')
    const out = (await mon.stop()).stdout
    expect(out).not.toContain('{')
    const records = shapes(out)
    expect(records.length).toBeGreaterThanOrEqual(10)
    expect(new Set(records)).toEqual(new Set(['header', 'link']))
    expect(out).toMatch(/^\d+: enp8s0f0v0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq /m)
    expect(out).toMatch(/^Deleted \d+: enp8s0f0v1: /m)
  })
})
