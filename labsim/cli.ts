import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { LabConfigError, startLab } from './index'
import type { LabScenario } from './scenario'

/**
 * `node --import tsx labsim/cli.ts --hosts N --profile fixed|pre-series --speed F
 * [--scenario file.json] [--key-dir DIR]`: prints one JSON line `{"hosts":[…]}` and serves
 * until SIGTERM/SIGINT, then closes every server and exits 0. Bad arguments exit 2.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string' },
      profile: { type: 'string', default: 'fixed' },
      speed: { type: 'string', default: '1' },
      scenario: { type: 'string' },
      'key-dir': { type: 'string' },
    },
    strict: true,
  })
  const scenario = values.scenario
    ? (JSON.parse(await readFile(values.scenario, 'utf8')) as LabScenario)
    : undefined
  const profile = values.profile
  if (profile !== 'fixed' && profile !== 'pre-series')
    throw new LabConfigError('--profile: must be fixed or pre-series')
  const lab = await startLab({
    ...(values.hosts !== undefined ? { hosts: Number(values.hosts) } : {}),
    profile,
    speed: Number(values.speed),
    ...(scenario ? { scenario } : {}),
    ...(values['key-dir'] ? { keyDir: values['key-dir'] } : {}),
  })
  process.stdout.write(`${JSON.stringify({ hosts: lab.hosts })}\n`)
  let stopping = false
  const stop = (): void => {
    if (stopping) return
    stopping = true
    void lab.stop().then(() => process.exit(0))
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main().catch((error: unknown) => {
  process.stderr.write(`labsim: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(2)
})
