import { access } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

import type { Command } from 'commander'

import { createBackend, defaultDataDir } from '../../service/backend'
import { startWebServer } from '../../web/server'
import { spawnLab, type LabProcess } from '../lab-process'

interface ServeOptions {
  sim: string
  profile: string
  speed: string
  port: string
  json?: boolean
  dataDir?: string
}

/**
 * `replab serve` (browser mode, what `npm run web` runs): starts labsim as a process of its own
 * (unless `--sim 0`), the back end, and the WebSocket front door on 127.0.0.1, then prints the
 * one-time login URL. Runs until SIGINT/SIGTERM, then closes everything it started.
 */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'serve the console in browser mode on 127.0.0.1 (prints a URL with a one-time token)',
    )
    .option('--sim <n>', 'simulated hosts to start and pre-register (0 = none)', '2')
    .option('--profile <profile>', 'labsim kernel profile: fixed | pre-series', 'fixed')
    .option('--speed <factor>', 'labsim time scale (1 = real time)', '0.25')
    .option('--port <port>', 'TCP port on 127.0.0.1 (0 = any free port)', '0')
    .option('--data-dir <dir>', 'where the inventory, known_hosts, journal and logs live')
    .option('--json', 'print {"url", "hosts"} as one JSON line instead of prose')
    .action(async (opts: ServeOptions) => {
      const staticDir = fileURLToPath(new URL('../../../out/renderer/', import.meta.url))
      await access(`${staticDir}index.html`).catch(() =>
        console.error(
          'replab: out/renderer/index.html is missing; run `npm run build` (npm run web does it for you)',
        ),
      )
      const simHosts = Number(opts.sim)
      let lab: LabProcess | null = null
      if (simHosts > 0) {
        lab = await spawnLab({
          hosts: simHosts,
          profile: opts.profile as 'fixed' | 'pre-series',
          speed: Number(opts.speed),
        })
      }
      const backend = await createBackend({ dataDir: opts.dataDir ?? defaultDataDir() })
      if (lab) await backend.addSimulatedHosts(lab.hosts)
      const server = await startWebServer({
        dispatcher: backend.dispatcher,
        hub: backend.hub,
        staticDir,
        port: Number(opts.port),
      })
      if (opts.json) {
        console.log(JSON.stringify({ url: server.url, hosts: lab?.hosts ?? [] }))
      } else {
        console.log(`replab: console at ${server.url}`)
        console.log(
          `replab: simulated hosts: ${lab?.hosts.map((h) => `${h.name} (127.0.0.1:${h.port})`).join(', ') || 'none'}`,
        )
        console.log('replab: the link works once; press Ctrl-C to stop')
      }
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve)
        process.once('SIGTERM', resolve)
      })
      await server.close()
      await backend.close()
      await lab?.stop()
    })
}
