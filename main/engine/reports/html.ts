import type { Finding } from '../../../contract'
import type { JournalRun, StepEntry } from '../journal'

/**
 * The self-contained HTML report: inline CSS, no external assets, an inline SVG timeline of step
 * durations per iteration, the findings, the steps with their commands, and the snapshot diffs.
 */

/** Escapes text for HTML element and attribute content. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1b1f24}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
.passed{color:#1a7f37}.failed,.fatal,.error{color:#cf222e}.aborted,.interrupted,.warning{color:#9a6700}
pre{background:#f6f8fa;padding:8px;overflow:auto;max-height:320px;font-size:12px}
svg text{font:11px system-ui,sans-serif}`

const COLORS: Record<string, string> = {
  passed: '#2da44e',
  failed: '#cf222e',
  error: '#bc4c00',
  skipped: '#8c959f',
  running: '#0969da',
}

/** Bars of one timeline row: offset and width in ms from the row's first step. */
function rowBars(steps: readonly StepEntry[]): { e: StepEntry; x: number; w: number }[] {
  const t0 = Date.parse(steps[0]?.step.startedAt ?? '')
  let cursor = 0
  return steps.map((e) => {
    const t = Date.parse(e.step.startedAt ?? '')
    const x = Number.isFinite(t) && Number.isFinite(t0) ? t - t0 : cursor
    cursor = x + e.step.durationMs
    return { e, x, w: e.step.durationMs }
  })
}

/** The inline SVG timeline: one row per iteration (plus restore), one bar per step. */
export function timelineSvg(steps: readonly StepEntry[]): string {
  const rows = new Map<string, StepEntry[]>()
  for (const e of steps) {
    const key = e.restore ? 'restore' : `iteration ${e.step.iteration ?? '?'}`
    rows.set(key, [...(rows.get(key) ?? []), e])
  }
  const laid = [...rows].map(([label, s]) => ({ label, bars: rowBars(s) }))
  const span = Math.max(1, ...laid.flatMap((r) => r.bars.map((b) => b.x + b.w)))
  const left = 90
  const width = 900
  const rowH = 22
  const scale = (width - left - 10) / span
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${width}" height="${laid.length * rowH + 24}" role="img" aria-label="step durations per iteration">`,
  ]
  laid.forEach((r, i) => {
    const y = i * rowH + 4
    parts.push(`<text x="4" y="${y + 14}">${escapeHtml(r.label)}</text>`)
    for (const b of r.bars) {
      const w = Math.max(1, b.w * scale)
      const fill = COLORS[b.e.step.status] ?? '#8c959f'
      parts.push(
        `<rect x="${(left + b.x * scale).toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${fill}"><title>${escapeHtml(`${b.e.step.name}: ${b.e.step.durationMs} ms (${b.e.step.status})`)}</title></rect>`,
      )
    }
  })
  parts.push(
    `<text x="${left}" y="${laid.length * rowH + 18}">0 ms</text><text x="${width - 80}" y="${laid.length * rowH + 18}">${Math.round(span)} ms</text></svg>`,
  )
  return parts.join('')
}

function findingsTable(findings: readonly Finding[]): string {
  if (findings.length === 0) return '<p class="passed">No findings.</p>'
  const rows = findings.map(
    (f) =>
      `<tr><td class="${f.severity}">${f.severity}</td><td>${escapeHtml(f.invariant)}</td><td>${escapeHtml(f.message)}</td><td>${escapeHtml(`${f.iteration ?? ''} ${f.step}`)}</td><td>${f.evidence ? `<pre>${escapeHtml(f.evidence)}</pre>` : ''}</td></tr>`,
  )
  return `<table><tr><th>severity</th><th>invariant</th><th>message</th><th>iteration / step</th><th>evidence</th></tr>${rows.join('')}</table>`
}

function stepsTable(steps: readonly StepEntry[]): string {
  const rows = steps.map((e) => {
    const cmds = e.records
      .map((r) => `$ ${r.command}\n${r.stdout}${r.stderr}[exit ${r.code ?? r.signal}]`)
      .join('\n')
    const diff = (e.diff ?? [])
      .map(
        (c) =>
          `${c.kind} ${c.entity} ${c.key}${c.field ? ` ${c.field}` : ''}${c.before !== undefined ? ` ${JSON.stringify(c.before)}` : ''}${c.after !== undefined ? ` → ${JSON.stringify(c.after)}` : ''}`,
      )
      .join('\n')
    return `<tr><td>${e.restore ? 'restore' : (e.step.iteration ?? '')}</td><td>${escapeHtml(e.step.name)}</td><td class="${e.step.status}">${e.step.status}</td><td>${e.step.durationMs}</td><td>${cmds ? `<pre>${escapeHtml(cmds)}</pre>` : ''}</td><td class="diff">${diff ? `<pre>${escapeHtml(diff)}</pre>` : ''}</td></tr>`
  })
  return `<table><tr><th>iter</th><th>step</th><th>status</th><th>ms</th><th>commands</th><th>snapshot diff</th></tr>${rows.join('')}</table>`
}

/** The whole HTML page of a run. */
export function htmlReport(run: JournalRun): string {
  const s = run.start
  const status = run.end?.status ?? 'interrupted'
  const findings = run.steps.flatMap((e) => e.findings)
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(`replab ${s.drill} ${s.device}`)}</title><style>${CSS}</style></head><body>
<h1>replab drill ${escapeHtml(s.drill)} — <span class="${status}">${status}</span></h1>
<p>${escapeHtml(`${s.device} on ${s.target}${s.hostName ? ` (${s.hostName}, kernel ${s.kernel ?? '?'})` : ''}; run ${s.runId}, started ${s.startedAt}${run.end ? `, finished ${run.end.finishedAt}` : ''}`)}</p>
<p>${escapeHtml(`params ${JSON.stringify(s.params)}; restored: ${run.restored.join(', ') || 'nothing'}`)}${run.end?.error ? `<br>${escapeHtml(run.end.error)}` : ''}</p>
<h2>Timeline (step durations per iteration)</h2>${timelineSvg(run.steps)}
<h2>Findings</h2>${findingsTable(findings)}
<h2>Steps, commands and snapshot diffs</h2>${stepsTable(run.steps)}
</body></html>
`
}
