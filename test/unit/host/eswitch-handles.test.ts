import { describe, expect, it } from 'vitest'

import { knownEswitchHandles } from '../../../main/host/discover'
import { parseSections } from '../../../main/host/snapshot-sections'

// The fast refresh asks `devlink dev eswitch show` only of handles that can answer: the VM of
// the real-kernel suite has a netdevsim device with devlink and an NVMe SR-IOV PF without.
const pcidev = (driver: string): string =>
  `vendor 0x1b36\ndevice 0x0010\ndriver ../../../bus/pci/drivers/${driver}\nphysfn \ntotalvfs 4\nnumvfs 0\n`

describe('knownEswitchHandles', () => {
  const sections = (devs: string | null) =>
    parseSections('vm', [
      {
        name: 'pcidev',
        arg: '/sys/bus/pci/devices/0000:01:00.0',
        body: pcidev('nvme'),
        code: 0,
        offset: 0,
      },
      {
        name: 'nsim',
        arg: 'netdevsim/netdevsim10',
        body: 'driver ../../bus/netdevsim/drivers/netdevsim\nnumvfs 0\n',
        code: 0,
        offset: 0,
      },
      ...(devs === null
        ? []
        : [{ name: 'devlink-dev' as const, arg: '', body: devs, code: 0, offset: 0 }]),
    ])

  it('skips a bound PF that devlink dev show does not list', () => {
    const listed = sections('{"dev":{"netdevsim/netdevsim10":{}}}')
    expect(listed.devs?.map((d) => d.handle)).toEqual(['netdevsim/netdevsim10'])
    expect(knownEswitchHandles(listed)).toEqual(['netdevsim/netdevsim10'])
  })

  it('keeps every bound PF when devlink dev show was not read', () => {
    expect(knownEswitchHandles(sections(null)).sort()).toEqual([
      'netdevsim/netdevsim10',
      'pci/0000:01:00.0',
    ])
  })
})
