import type { Command } from 'commander'

import { discover } from '../../host/discover'
import { printErr, printJson, printOut } from '../output'
import { connectCli, timeoutMs, withSshOptions, type SshCliOptions } from '../ssh-options'

/**
 * `replab discover <target> --json`: connects with verified host keys, reads the whole host in
 * one round trip and prints the `HostSnapshot` (docs/design.md §Host model). Without `--json` it
 * prints a short human summary. Exit 1 on a refused key or a failed connection.
 */
export function registerDiscover(program: Command): void {
  withSshOptions(
    program
      .command('discover <target>')
      .description(
        'discover a host (user@host:port or an ssh_config alias) and print its HostSnapshot',
      )
      .option('--json', 'print the HostSnapshot as JSON'),
  ).action(async (target: string, opts: SshCliOptions & { json?: boolean }) => {
    const conn = await connectCli(target, opts)
    try {
      const snapshot = await discover(conn, { hostName: target, timeoutMs: timeoutMs(opts) })
      if (opts.json) return void printJson(snapshot)
      printOut(
        `${snapshot.host.name}: kernel ${snapshot.host.kernel}, mlx5_ib ${snapshot.host.modules.mlx5_ib ? 'loaded' : 'not loaded'}`,
      )
      for (const d of snapshot.devices) {
        const vfs = d.pci ? `${d.pci.numvfs}/${d.pci.totalvfs} VFs` : ''
        printOut(
          `  ${d.handle}  ${d.driver ?? '-'}  ${d.eswitch?.mode ?? '-'}  ${vfs}  ${d.ports.length} ports`,
        )
      }
      for (const e of snapshot.errors ?? [])
        printErr(`  parse-error in \`${e.command}\`: ${e.message}`)
    } finally {
      conn.close()
    }
  })
}
