import { describe, expect, it } from 'vitest'

import type { RawSection } from '../../../main/host/discovery-script'
import { mergeSections } from '../../../main/host/discover'
import { buildSnapshot } from '../../../main/host/snapshot-build'
import { parseSections } from '../../../main/host/snapshot-sections'

// Where Device.driver comes from: the bus device's own `driver` link when it was read, else
// `devlink dev info` (a PF known only from lspci and devlink has no sysfs block).
const raw = (name: string, arg: string, body: string): RawSection => ({
  name,
  arg,
  body,
  code: 0,
  offset: 0,
})
const INFO = raw('devlink-info', '', '{"info":{"netdevsim/netdevsim10":{"driver":"netdevsim"}}}')
const nsim = (driver: string): RawSection =>
  raw('nsim', 'netdevsim/netdevsim10', `driver ${driver}\nnumvfs 0\n`)
const build = (sections: ReturnType<typeof parseSections>) =>
  buildSnapshot(sections, { hostName: 'vm', takenAt: 'now' })

describe('Device.driver', () => {
  it('an unbound netdevsim bus device has none, though an older devlink dev info named one', () => {
    const full = parseSections('vm', [nsim('../../bus/netdevsim/drivers/netdevsim'), INFO])
    expect(build(full).devices[0]?.driver).toBe('netdevsim')
    // The unbind's wait reads the device parts only; `info` stays from the full read.
    const partial = parseSections('vm', [nsim('')], ['nsim'])
    const merged = mergeSections(full, partial, ['nsim'])
    expect(merged.info.get('netdevsim/netdevsim10')?.driver).toBe('netdevsim')
    expect(build(merged).devices[0]?.driver).toBeNull()
  })

  it('a PF known only from lspci and devlink takes the driver devlink dev info names', () => {
    const s = parseSections('vm', [
      raw('lspci', '', '0000:03:00.0 Ethernet controller [0200]: Mellanox [15b3:101d]\n'),
      raw('devlink-dev', '', '{"dev":{"pci/0000:03:00.0":{}}}'),
      raw('devlink-info', '', '{"info":{"pci/0000:03:00.0":{"driver":"mlx5_core"}}}'),
    ])
    const d = build(s).devices.find((x) => x.handle === 'pci/0000:03:00.0')
    expect(d?.pci?.bdf).toBe('0000:03:00.0')
    expect(d?.driver).toBe('mlx5_core')
  })
})
