import type { RepRow } from './rows'

/** One node of the topology diagram with its problem, if any. */
export interface TopoNode {
  row: RepRow
  /** `ib-missing`: IB representor expected but absent; `dangling`: no netdev or VF unbound. */
  problem: 'ib-missing' | 'dangling' | null
  x: number
  y: number
}

/** Laid-out diagram: uplink, PF and function representors, with the overflow count. */
export interface TopoLayout {
  width: number
  height: number
  uplink: TopoNode | null
  reps: TopoNode[]
  hidden: number
  problems: number
}

export const NODE_W = 128
export const NODE_H = 50
export const VF_H = 30
const GAP_X = 14
const ROW_H = NODE_H + VF_H + 34

/** Problem of a representor row: missing IB rep first, then a dangling port. */
export function problemOf(r: RepRow): TopoNode['problem'] {
  if (r.ibMissing) return 'ib-missing'
  if (r.ethRep === 'missing') return 'dangling'
  if (r.vfNumber !== null && (!r.vfBdf || r.vfDriver === 'unbound')) return 'dangling'
  return null
}

/**
 * Grid layout for the SVG (units are SVG px in a `width`-wide viewBox). Problem ports are
 * placed first so they stay visible when more than `max` ports exist.
 */
export function layoutTopology(rows: RepRow[], columns = 7, maxRows = 3): TopoLayout {
  const max = columns * maxRows
  const width = columns * (NODE_W + GAP_X) + GAP_X
  const uplinkRow = rows.find((r) => r.flavour === 'physical') ?? null
  const others = rows
    .filter((r) => r !== uplinkRow)
    .map((row) => ({ row, problem: problemOf(row) }))
  const problems =
    others.filter((o) => o.problem).length + (uplinkRow && problemOf(uplinkRow) ? 1 : 0)
  const ordered = [
    ...others.filter((o) => o.row.flavour === 'pcipf'),
    ...others.filter((o) => o.row.flavour !== 'pcipf' && o.problem),
    ...others.filter((o) => o.row.flavour !== 'pcipf' && !o.problem),
  ]
  const shown = ordered.slice(0, max)
  const top = 150
  const reps = shown.map((o, i) => ({
    ...o,
    x: GAP_X + (i % columns) * (NODE_W + GAP_X),
    y: top + Math.floor(i / columns) * ROW_H,
  }))
  const uplink = uplinkRow
    ? { row: uplinkRow, problem: problemOf(uplinkRow), x: width / 2 - NODE_W / 2, y: 8 }
    : null
  const height = top + Math.max(1, Math.ceil(shown.length / columns)) * ROW_H + 8
  return { width, height, uplink, reps, hidden: ordered.length - shown.length, problems }
}
