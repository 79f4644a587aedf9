import type { Kernel } from '../model/kernel'
import type { Card } from '../model/mlx5-types'
import type { Command } from '../shell/types'

interface PciRow {
  bdf: string
  cls: string
  clsName: string
  vendor: string
  device: string
  name: string
}

function pciRows(kernel: Kernel): PciRow[] {
  const rows: PciRow[] = [
    {
      bdf: '0000:00:00.0',
      cls: '0600',
      clsName: 'Host bridge',
      vendor: '8086',
      device: '1237',
      name: 'Intel Corporation 440FX - 82441FX PMC [Natoma] (rev 02)',
    },
    {
      bdf: '0000:00:01.0',
      cls: '0604',
      clsName: 'PCI bridge',
      vendor: '8086',
      device: '7000',
      name: 'Intel Corporation 82371SB PIIX3 ISA [Natoma/Triton II]',
    },
    {
      bdf: '0000:00:03.0',
      cls: '0200',
      clsName: 'Ethernet controller',
      vendor: '8086',
      device: '100e',
      name: 'Intel Corporation 82540EM Gigabit Ethernet Controller (rev 03)',
    },
  ]
  for (const pf of kernel.pfs) {
    const info = pf.card.info
    rows.push({
      bdf: pf.bdf,
      cls: '0200',
      clsName: 'Ethernet controller',
      vendor: '15b3',
      device: info.deviceId.toString(16).padStart(4, '0'),
      name: `Mellanox Technologies ${info.lspciName}`,
    })
    for (const vf of pf.vfs) {
      rows.push({
        bdf: vf.bdf,
        cls: '0200',
        clsName: 'Ethernet controller',
        vendor: '15b3',
        device: info.vfDeviceId.toString(16).padStart(4, '0'),
        name: `Mellanox Technologies ${info.lspciVfName}`,
      })
    }
  }
  return rows.sort((a, b) => (a.bdf < b.bdf ? -1 : 1))
}

/** lspci(8) `-D`, `-nn`, `-d vendor[:device]`, `-s [dom:]bus:dev.fn` (pciutils; docs/domain.md §2.9). */
export function lspciCommand(kernel: Kernel): Command {
  return async (ctx) => {
    const args = ctx.argv.slice(1)
    const domain = args.includes('-D')
    const numeric = args.includes('-nn')
    const filter = args[args.indexOf('-d') + 1]
    const slot = args.includes('-s') ? args[args.indexOf('-s') + 1] : undefined
    const [fv, fd] = args.includes('-d') && filter ? filter.split(':') : []
    let out = ''
    for (const r of pciRows(kernel)) {
      if (fv && r.vendor !== fv.toLowerCase()) continue
      if (fd && r.device !== fd.toLowerCase()) continue
      if (slot && !r.bdf.endsWith(slot)) continue
      const addr = domain ? r.bdf : r.bdf.slice(5)
      out += numeric
        ? `${addr} ${r.clsName} [${r.cls}]: ${r.name.replace(/ \(rev/, ` [${r.vendor}:${r.device}] (rev`)}${r.name.includes('(rev') ? '' : ` [${r.vendor}:${r.device}]`}\n`
        : `${addr} ${r.clsName}: ${r.name}\n`
    }
    await ctx.io.stdout.write(out)
    return 0
  }
}

/** ethtool(8) `-i` (driver info); reps show `mlx5e_rep` with empty bus-info (docs/domain.md §1.7). */
export function ethtoolCommand(kernel: Kernel): Command {
  return async (ctx) => {
    const name = ctx.argv[ctx.argv.length - 1] ?? ''
    const n = kernel.netdevs.get(name)
    if (!n) {
      await ctx.io.stderr.write(
        `netlink error: no device matches name (offset 24)\nnetlink error: No such device\n`,
      )
      return 1
    }
    if (!ctx.argv.includes('-i')) {
      await ctx.io.stdout.write(`Settings for ${name}:\n\tLink detected: ${n.up ? 'yes' : 'no'}\n`)
      return 0
    }
    const pf = kernel.pfs.find((p) => p.netdev === name || p.vfs.some((v) => v.netdev === name))
    const fw =
      n.driver === 'netdevsim'
        ? '10.20.30'
        : pf
          ? `${pf.card.info.fwVersion} (${pf.card.info.psid})`
          : ''
    const bus = n.parent && n.driver !== 'mlx5e_rep' ? n.parent.dev : ''
    const yes = n.driver === 'netdevsim' ? 'no' : 'yes'
    await ctx.io.stdout.write(
      `driver: ${n.driver}\nversion: ${kernel.release}\nfirmware-version: ${fw} \nexpansion-rom-version: \nbus-info: ${bus}\nsupports-statistics: ${yes}\nsupports-test: ${yes}\nsupports-eeprom-access: no\nsupports-register-dump: no\nsupports-priv-flags: ${yes}\n`,
    )
    return 0
  }
}

function cardOf(kernel: Kernel, dev: string): Card | undefined {
  const pf = kernel.pfs.find((p) => p.bdf === dev || p.bdf.endsWith(dev) || dev.includes(p.bdf))
  return pf?.card
}

function header(card: Card, dev: string): string {
  const type = card.info.model
    .replace(/[- ]/g, '')
    .replace('ConnectX', 'ConnectX')
    .toUpperCase()
    .replace('CONNECTX', 'ConnectX')
  return `\nDevice #1:\n----------\n\nDevice type:        ${type.padEnd(20)}\nName:               ${card.info.psid.padEnd(20)}\nDescription:        NVIDIA ${card.info.model} adapter card\nDevice:             ${dev.padEnd(20)}\n\n`
}

const bool = (v: boolean): string => (v ? 'True(1)' : 'False(0)')

/**
 * mlxconfig (NVIDIA MFT) `-d <dev> [-y] query [SW_RECOVERY_ON_ERRORS]` and
 * `set SW_RECOVERY_ON_ERRORS=<true|false|1|0>` — the firmware RFR switch of the Reset Flow
 * doc. The simulated firmware applies the new value immediately (a real one needs a reset).
 */
export function mlxconfigCommand(kernel: Kernel): Command {
  return async (ctx) => {
    const args = ctx.argv.slice(1)
    const dev = args[args.indexOf('-d') + 1] ?? ''
    const card = args.includes('-d') ? cardOf(kernel, dev) : undefined
    if (!card) {
      await ctx.io.stderr.write(`-E- Failed to open the device\n`)
      return 1
    }
    const verb = args.find((a) => a === 'query' || a === 'q' || a === 'set' || a === 's')
    if (verb === 'query' || verb === 'q') {
      await ctx.io.stdout.write(
        `${header(card, dev)}Configurations:                                      Next Boot\n        SW_RECOVERY_ON_ERRORS                       ${bool(card.swRecoveryOnErrors).padEnd(16)}\n`,
      )
      return 0
    }
    const assign = args.find((a) => a.startsWith('SW_RECOVERY_ON_ERRORS='))
    if ((verb === 'set' || verb === 's') && assign) {
      const value = /^(true|1)$/i.test(assign.split('=')[1] ?? '')
      await ctx.io.stdout.write(
        `${header(card, dev)}Configurations:                                      Next Boot       New\n        SW_RECOVERY_ON_ERRORS                       ${bool(card.swRecoveryOnErrors).padEnd(16)}${bool(value).padEnd(16)}\n\n Apply new Configuration? (y/n) [n] : y\nApplying... Done!\n-I- Please reboot machine to load new configurations.\n`,
      )
      card.swRecoveryOnErrors = value
      return 0
    }
    await ctx.io.stderr.write('-E- Unknown command or parameter\n')
    return 1
  }
}
