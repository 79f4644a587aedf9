// Writes README.md's "Verified on a real kernel" table from the real-kernel suite's own output:
// test-results/realkernel.json (vitest's JSON reporter, written by `npm test` / scripts/test.mjs)
// and test-results/realkernel-kernel.txt (the VM's `uname -r` and devices, written by the suite's
// global set-up). Usage: node scripts/realkernel-table.mjs [--write]  (prints the table; with
// --write replaces the block between the realkernel markers in README.md).
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import * as prettier from 'prettier'

const root = fileURLToPath(new URL('..', import.meta.url))
const BEGIN = '<!-- realkernel:begin -->'
const END = '<!-- realkernel:end -->'

function read(path) {
  try {
    return readFileSync(`${root}${path}`, 'utf8')
  } catch {
    return null
  }
}

const report = JSON.parse(read('test-results/realkernel.json') ?? 'null')
if (report === null) {
  console.error('realkernel-table: no test-results/realkernel.json; run npm test first')
  process.exit(1)
}
const kernel = (read('test-results/realkernel-kernel.txt') ?? 'unknown kernel').trim()
const cell = (text) => text.replace(/\|/g, '\\|')
const rows = []
for (const file of report.testResults ?? []) {
  for (const t of file.assertionResults ?? []) {
    const suite = (t.ancestorTitles ?? []).join(' › ').replace(/ \(real kernel\)$/, '')
    const result =
      t.status === 'passed' ? 'passed' : t.status === 'failed' ? '**failed**' : t.status
    rows.push(`| ${cell(suite)} | ${cell(t.title)} | ${result} |`)
  }
}
const ends = (report.testResults ?? []).map((f) => f.endTime ?? 0)
const seconds = report.startTime
  ? Math.round((Math.max(0, ...ends) - report.startTime) / 1000)
  : null
const when = new Date(report.startTime ?? Date.now()).toISOString().slice(0, 10)
const table = [
  `Kernel: ${kernel}. Run ${when}, ${report.numPassedTests} passed, ${report.numFailedTests} failed, ` +
    `${report.numPendingTests} skipped${seconds === null ? '' : ` in ${seconds} s`} (written by \`node scripts/realkernel-table.mjs --write\` ` +
    "from the suite's own JSON report).",
  '',
  '| suite (device) | operation or drill | result |',
  '| --- | --- | --- |',
  ...rows,
].join('\n')
if (!process.argv.includes('--write')) {
  console.log(table)
  process.exit(0)
}
const readme = read('README.md') ?? ''
const a = readme.indexOf(BEGIN)
const b = readme.indexOf(END)
if (a < 0 || b < a) {
  console.error(`realkernel-table: README.md has no ${BEGIN} … ${END} block`)
  process.exit(1)
}
// Formatted as `npm run lint` checks it (Prettier aligns the table's columns).
const next = `${readme.slice(0, a + BEGIN.length)}\n${table}\n${readme.slice(b)}`
const options = (await prettier.resolveConfig(`${root}README.md`)) ?? {}
writeFileSync(`${root}README.md`, await prettier.format(next, { ...options, parser: 'markdown' }))
console.log('realkernel-table: README.md updated')
