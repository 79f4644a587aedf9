// `npm run lint:electron`: electronegativity over main/ and preload/, failing on any HIGH or
// CRITICAL finding (MEDIUM and below are printed). The Electron version comes from
// node_modules/electron so the tool does not try to fetch release data (offline here).
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const version = JSON.parse(
  readFileSync(`${root}node_modules/electron/package.json`, 'utf8'),
).version
// Global checks (navigation limits, permission handler) look across one input, so main/ and
// preload/ are scanned together from a copy.
const src = `${root}out/electronegativity-src`
rmSync(src, { recursive: true, force: true })
mkdirSync(src, { recursive: true })
for (const dir of ['main', 'preload']) cpSync(`${root}${dir}`, `${src}/${dir}`, { recursive: true })
let failed = false
for (const input of [src]) {
  const csv = `${root}out/electronegativity.csv`
  const r = spawnSync(
    process.execPath,
    [
      `${root}scripts/electronegativity.cjs`,
      '-i',
      input,
      '-e',
      version,
      '-r',
      '-v',
      'false',
      '-o',
      csv,
    ],
    { cwd: root, encoding: 'utf8' },
  )
  if (r.status !== 0) {
    console.error(r.stdout, r.stderr)
    process.exit(r.status ?? 1)
  }
  const rows = readFileSync(csv, 'utf8').trim().split('\n').slice(1).filter(Boolean)
  for (const row of rows) {
    const [check, severity, , file, location, , description] = row.split(',')
    const sev = (severity ?? '').replaceAll('"', '')
    console.log(`electronegativity: ${sev} ${check} ${file}:${location} ${description ?? ''}`)
    if (sev === 'HIGH' || sev === 'CRITICAL') failed = true
  }
}
if (failed) {
  console.error('electronegativity: high-severity findings (see above)')
  process.exit(1)
}
console.log('electronegativity: no high-severity finding')
