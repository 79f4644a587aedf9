import { writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'

import { ratio } from './stats'

/**
 * Result rows of the bench and their two outputs: a fixed-width table on stdout and
 * `bench-results.json`. A row is either measured (value beside a floor from the same run, and
 * their ratio) or skipped (with the reason). A goal is checked and shown, never enforced.
 */

/** How a goal is read: the ratio (value/floor) or the value itself, at most or at least `target`. */
export interface Goal {
  readonly on: 'ratio' | 'value'
  readonly op: '<=' | '>='
  readonly target: number
}

/** One line of the results table. Times in ms, throughput in the unit named by `unit`. */
export interface Row {
  readonly section: string
  readonly metric: string
  readonly value: number | null
  readonly unit: string
  readonly floor: number | null
  /** What the floor is (e.g. "raw ssh2 exec, noDelay"). */
  readonly floorLabel: string
  readonly ratio: number | null
  readonly goal: Goal | null
  /** null when not measured or no goal. */
  readonly met: boolean | null
  readonly note?: string
  /** Set instead of a value when the section could not run. */
  readonly skipped?: string
}

/** A measured row; computes the ratio and whether the goal is met. */
export function measured(
  section: string,
  metric: string,
  value: number,
  unit: string,
  floor: { value: number | null; label: string },
  goal: Goal | null,
  note?: string,
): Row {
  const r = ratio(value, floor.value)
  const subject = goal?.on === 'value' ? value : r
  const met =
    goal === null || subject === null
      ? null
      : goal.op === '<='
        ? subject <= goal.target
        : subject >= goal.target
  return {
    section,
    metric,
    value,
    unit,
    floor: floor.value,
    floorLabel: floor.label,
    ratio: r,
    goal,
    met,
    ...(note === undefined ? {} : { note }),
  }
}

/** A row that could not be measured: prints "skipped: <why>". */
export function skipped(section: string, metric: string, why: string): Row {
  return {
    section,
    metric,
    value: null,
    unit: '',
    floor: null,
    floorLabel: '',
    ratio: null,
    goal: null,
    met: null,
    skipped: why,
  }
}

function num(v: number | null, digits = 2): string {
  if (v === null || !Number.isFinite(v)) return '-'
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(digits)
}

function goalText(g: Goal | null): string {
  if (g === null) return ''
  return `${g.op}${g.target}${g.on === 'ratio' ? 'x' : ''}`
}

/** The rows as a Markdown table (also used for stdout, which reads fine as plain text). */
export function formatTable(rows: readonly Row[]): string {
  const head = ['section', 'metric', 'value', 'floor', 'ratio', 'goal', 'met', 'floor is / note']
  const lines = rows.map((r) =>
    r.skipped !== undefined
      ? [r.section, r.metric, '-', '-', '-', '-', '-', `skipped: ${r.skipped}`]
      : [
          r.section,
          r.metric,
          `${num(r.value)} ${r.unit}`,
          `${num(r.floor)} ${r.floor === null ? '' : r.unit}`.trim(),
          r.ratio === null ? '-' : `${num(r.ratio)}x`,
          goalText(r.goal),
          r.met === null ? '' : r.met ? 'yes' : 'NO',
          [r.floorLabel, r.note].filter(Boolean).join('; '),
        ],
  )
  const all = [head, ...lines]
  const widths = head.map((_, i) => Math.max(...all.map((l) => (l[i] ?? '').length)))
  const fmt = (l: string[]): string =>
    `| ${l.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`
  return [fmt(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join(
    '\n',
  )
}

/** The machine the run happened on. */
export interface MachineInfo {
  readonly cores: number
  readonly cpu: string
  readonly ramGiB: number
  readonly node: string
  readonly openssh: string | null
  readonly chromium: string | null
}

/** Cores, CPU model, RAM and Node version; the caller fills the tool versions. */
export function machineBase(): Pick<MachineInfo, 'cores' | 'cpu' | 'ramGiB' | 'node'> {
  const c = cpus()
  return {
    cores: c.length,
    cpu: c[0]?.model ?? 'unknown',
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
  }
}

/** Writes `{startedAt, durationMs, machine, rows}` as pretty JSON to `path`. */
export async function writeResults(
  path: string,
  data: { startedAt: string; durationMs: number; machine: MachineInfo; rows: readonly Row[] },
): Promise<void> {
  await writeFile(path, `${JSON.stringify(data, null, 2)}\n`)
}

/**
 * The Markdown of test/bench/RESULTS.md (what README's Performance section copies): the table,
 * the machine, the date, how long it took, and the command that reproduces it.
 */
export function resultsMarkdown(data: {
  startedAt: string
  durationMs: number
  machine: MachineInfo
  rows: readonly Row[]
  args: readonly string[]
}): string {
  const m = data.machine
  return [
    '# replab benchmark results',
    '',
    `Latest run: ${data.startedAt}, ${(data.durationMs / 1000).toFixed(0)} s` +
      (data.args.length ? ` (\`${data.args.join(' ')}\`)` : ''),
    '',
    `Machine: ${m.cores} cores (${m.cpu}), ${m.ramGiB} GiB RAM, Node ${m.node}, ${m.openssh ?? 'no OpenSSH client'}, ${m.chromium ?? 'no Chromium'}.`,
    '',
    'Reproduce: `npm run bench` (writes `bench-results.json`; `--quick` for a smoke run, `--only 1,3` for some sections).',
    '',
    'Each figure stands beside a floor measured in the same run; "ratio" is value / floor. Goals are',
    'shown, never enforced.',
    '',
    formatTable(data.rows),
    '',
  ].join('\n')
}
