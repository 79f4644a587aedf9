// `npm start` / `npm run web`: build, then open the Electron console on the simulated lab.
// Where the Electron binary is missing (its download needs GitHub, which offline installs
// cannot reach) say so plainly and serve the same console in browser mode instead.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const web = process.argv.includes('--web')
const passThrough = process.argv.slice(2).filter((a) => a !== '--web')

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', cwd: root })
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)))
  })
}

/** Path of the Electron binary, or null when it was never downloaded. Never triggers a download. */
function electronBinary() {
  const dir = `${root}node_modules/electron/`
  if (!existsSync(`${dir}path.txt`)) return null
  const bin = `${dir}dist/${readFileSync(`${dir}path.txt`, 'utf8').trim()}`
  return existsSync(bin) ? bin : null
}

const buildCode = await run(process.execPath, [
  `${root}scripts/build.mjs`,
  ...(web ? ['--renderer-only'] : []),
])
if (buildCode !== 0) process.exit(buildCode)

const electron = web ? null : electronBinary()
if (!web && electron === null) {
  console.error(
    'replab: the Electron binary is not installed (node_modules/electron has no dist/: its download from GitHub failed or was skipped, as on offline machines).\n' +
      'replab: serving the same console in browser mode instead. Open the URL below in a browser on this machine.',
  )
}
const code = electron
  ? await run(electron, [`${root}out/main/index.cjs`, ...passThrough])
  : await run(process.execPath, [`${root}bin/replab.mjs`, 'serve', '--sim', '2', ...passThrough])
process.exit(code)
