// `npm test`: every suite, then one line with the count of tests run. vitest runs the unit and
// integration tests (real SSH to labsim and OpenSSH sshd); then the real-kernel suite boots the
// netdevsim lab VM (test/realkernel; it reports itself skipped, with the reason, where the lab is
// absent); then the renderer is built and Playwright runs the end-to-end suite in Debian's
// Chromium. Every suite runs even when an earlier one fails, so one run shows every failure; the
// exit code is non-zero when any failed.
// Each suite also writes a JSON report under test-results/, which the closing line is read from.
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const results = `${root}test-results`
const vitestJson = `${results}/vitest.json`
const realkernelJson = `${results}/realkernel.json`
const playwrightJson = `${results}/e2e.json` // playwright.config.ts writes it

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', cwd: root })
    const forward = (sig) => child.kill(sig)
    process.on('SIGINT', forward).on('SIGTERM', forward)
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward)
      resolve(code ?? (signal ? 1 : 0))
    })
  })
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    return null
  }
}

/** `{ run, passed, failed, skipped }` from vitest's JSON reporter, or null without a report. */
function vitestCounts(path = vitestJson) {
  const r = readJson(path)
  if (r === null) return null
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
  return { run: r.numTotalTests, passed: r.numPassedTests, failed: r.numFailedTests, skipped }
}

/** The same from Playwright's JSON reporter (`expected` passed, `unexpected` failed). */
function playwrightCounts() {
  const s = readJson(playwrightJson)?.stats
  if (!s) return null
  const passed = s.expected + s.flaky
  return {
    run: passed + s.unexpected + s.skipped,
    passed,
    failed: s.unexpected,
    skipped: s.skipped,
  }
}

function describe(name, c) {
  if (c === null) return `${name}: no report (the suite did not start)`
  return `${name} ${c.run} (${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped)`
}

mkdirSync(results, { recursive: true })
rmSync(vitestJson, { force: true })
rmSync(realkernelJson, { force: true })
rmSync(playwrightJson, { force: true })

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx'
const vitest = await run(npx, [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestJson}`,
])
// The renderer first: the real-kernel suite's console test and Playwright both serve it.
const build = await run(process.execPath, [`${root}scripts/build.mjs`, '--renderer-only'])
const realkernel = await run(npx, [
  'vitest',
  'run',
  '--config',
  'vitest.realkernel.config.ts',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${realkernelJson}`,
])
const playwright = build === 0 ? await run(npx, ['playwright', 'test']) : build

const v = vitestCounts()
const k = vitestCounts(realkernelJson)
const p = playwrightCounts()
const total = (v?.run ?? 0) + (k?.run ?? 0) + (p?.run ?? 0)
console.log(
  `\nnpm test: ${total} tests run: ${describe('vitest', v)}; ${describe('real kernel', k)}; ` +
    `${describe('Playwright', p)}`,
)
const failed = vitest !== 0 || realkernel !== 0 || playwright !== 0
if (failed)
  console.log(
    `npm test: FAILED (vitest exit ${vitest}, real kernel exit ${realkernel}, end-to-end exit ${playwright})`,
  )
process.exit(failed ? 1 : 0)
