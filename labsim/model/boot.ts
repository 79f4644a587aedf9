import type { HostSpec } from '../scenario'
import { catalog } from './catalog'
import type { SimClock } from './clock'
import { createNicFunctions } from './eswitch'
import { Kernel } from './kernel'
import type { Card } from './mlx5-types'
import { Pf } from './mlx5-types'
import { macFor } from './netdev'
import { NetdevsimDevice } from './netdevsim'

function switchIdFor(host: string, bus: number): string {
  const seed = macFor(`${host}/${bus}`).replace(/:/g, '')
  return `${seed.slice(0, 6)}0003${seed.slice(6, 12)}`.slice(0, 16)
}

/**
 * Boots a simulated kernel from a host spec: loopback and management netdevs, every card's
 * PFs probed in legacy mode with 0 VFs (mlx5_core probe lines of docs/domain.md §3.4), mlx5_ib
 * RDMA devices when loaded, and the netdevsim10 device of the captures.
 */
export function bootKernel(spec: HostSpec, clock: SimClock): Kernel {
  const kernel = new Kernel(spec.name, spec.profile, clock)
  if (!spec.mlx5Ib) kernel.modules.delete('mlx5_ib')
  if (!spec.netdevsim) kernel.modules.delete('netdevsim')
  kernel.printk(
    `Linux version ${kernel.release} (root@replab) (gcc (Debian 14.2.0-19) 14.2.0) #1 SMP PREEMPT_DYNAMIC`,
  )
  kernel.netdevs.add({
    name: 'lo',
    kind: 'loopback',
    mac: '00:00:00:00:00:00',
    mtu: 65536,
    up: true,
    driver: '',
  })
  kernel.netdevs.add({
    name: 'eno1',
    kind: 'mgmt',
    mac: macFor(`${spec.name}/eno1`),
    mtu: 1500,
    up: true,
    parent: { bus: 'pci', dev: '0000:00:03.0' },
    driver: 'e1000',
  })
  spec.cards.forEach((c, i) => {
    const card: Card = {
      info: catalog[c.model],
      bus: c.bus,
      domain: 0,
      serial: `MT${2116 + i}X${String(9299 + c.bus).padStart(5, '0')}`,
      switchId: switchIdFor(spec.name, c.bus),
      ofed: c.ofed,
      pfs: [],
      swRecoveryOnErrors: c.swRecoveryOnErrors,
    }
    for (let f = 0; f < c.ports; f++) {
      const bdf = `0000:${c.bus.toString(16).padStart(2, '0')}:00.${f}`
      card.pfs.push(new Pf(card, bdf, f, c.totalVfs))
    }
    kernel.cards.push(card)
  })
  for (const pf of kernel.pfs) {
    kernel.devLog(pf.bdf, `firmware version: ${pf.card.info.fwVersion}`)
    kernel.devLog(
      pf.bdf,
      `E-Switch: Total vports ${pf.totalVports}, per vport: max uc(128) max mc(2048)`,
    )
    createNicFunctions(kernel, pf)
  }
  if (spec.netdevsim) kernel.netdevsim = new NetdevsimDevice(kernel)
  return kernel
}
